package dev.pinhole.lab;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pinhole.protocol.tls.Identity;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The operator's view of real peers: /api/state and /metrics while a session runs direct. */
class DashboardTest {
    @TempDir Path dir;

    @Test
    void peersServicesAndADirectSessionShowUpInTheApiAndTheMetrics() throws Exception {
        try (Rig rig = new Rig(dir); LocalWebServer web = new LocalWebServer()) {
            rig.startServerWithStun();
            var exposer = rig.exposeReady(Identity.generate("a"), "web", web.port());
            var connector = rig.connectReady(Identity.generate("b"), "web");
            await().atMost(Duration.ofSeconds(5)).until(() -> connector.out().direct());
            DirectTunnelTest.download(Rig.port(connector), 1024 * 1024);

            String secret = Files.readString(rig.server.dataDir().dashboardSecretFile()).trim();
            var address = rig.server.dashboard().address();
            String base = "http://127.0.0.1:" + address.getPort();
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest.Builder state = HttpRequest.newBuilder(URI.create(base + "/api/state"))
                    .header("Authorization", "Bearer " + secret);
            JsonNode[] seen = new JsonNode[1];
            await().atMost(Duration.ofSeconds(5)).until(() -> {
                seen[0] = new ObjectMapper().readTree(http.send(state.build(), HttpResponse.BodyHandlers.ofString()).body());
                return seen[0].path("sessions").size() == 1 && seen[0].path("sessions").get(0).path("path").asText().equals("direct");
            });
            // Bytes of a direct session: only the peers see them; the connector reports them (every 5 s).
            await().atMost(Duration.ofSeconds(15)).until(() -> new ObjectMapper().readTree(http.send(state.build(),
                    HttpResponse.BodyHandlers.ofString()).body()).path("sessions").get(0).path("bytes").asLong() >= 1024 * 1024);
            JsonNode s = seen[0];
            assertEquals(2, s.path("peers").size());
            assertEquals("easy", s.path("peers").get(0).path("nat").asText(), s.toString());
            assertEquals("web", s.path("services").get(0).path("name").asText());
            assertEquals("web", s.path("sessions").get(0).path("service").asText());

            String metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
                    .header("Authorization", "Bearer " + secret).build(), HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(metrics.contains("pinhole_peers_connected 2\n"), metrics);
            assertTrue(metrics.contains("pinhole_sessions{path=\"direct\"} 1\n"), metrics);
            assertTrue(metrics.contains("pinhole_punch_successes_total{nat_pair=\"easy-easy\"} 1\n"), metrics);
            assertTrue(metrics.contains("pinhole_stun_requests_total "), metrics);

            var refused = http.send(HttpRequest.newBuilder(URI.create(base + "/login"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("secret=phd_wrong")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, refused.statusCode());
            exposer.node();
        }
    }
}
