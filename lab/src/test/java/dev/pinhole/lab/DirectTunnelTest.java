package dev.pinhole.lab;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pinhole.protocol.tls.Identity;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two peers and a rendezvous with STUN on loopback: the session moves to a direct UDP path. */
class DirectTunnelTest {
    @TempDir Path dir;

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /** Downloads /blob/SIZE through the connector and checks its SHA-256. */
    static void download(int port, long size) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + port + "/blob/" + size);
        HttpResponse<InputStream> response = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        MessageDigest got = MessageDigest.getInstance("SHA-256");
        long received;
        try (InputStream in = response.body()) {
            received = in.transferTo(new DigestOutputStream(OutputStream.nullOutputStream(), got));
        }
        MessageDigest want = MessageDigest.getInstance("SHA-256");
        LocalWebServer.writeBlob(new DigestOutputStream(OutputStream.nullOutputStream(), want), size);
        assertEquals(size, received);
        assertArrayEquals(want.digest(), got.digest());
    }

    @Test
    void sessionGoesDirectAndCarriesFiftyMegabytesIntact() throws Exception {
        try (Rig rig = new Rig(dir); LocalWebServer web = new LocalWebServer()) {
            rig.startServerWithStun();
            var exposer = rig.exposeReady(Identity.generate("a"), "web", web.port());
            var connector = rig.connectReady(Identity.generate("b"), "web");
            await().atMost(Duration.ofSeconds(3)).until(() -> connector.out().direct());
            JsonNode path = connector.out().last("path").orElseThrow();
            // Regression: a punch faster than the handshake printed "path" before "ready" (bin/demo then hung).
            List<String> order = connector.out().lines().stream().filter(l -> l.contains("\"event\":\"ready\"")
                    || l.contains("\"event\":\"path\"")).toList();
            assertTrue(order.get(0).contains("\"event\":\"ready\""), order.toString());
            assertTrue(path.path("remote").asText().startsWith("127.0.0.1:"), path.toString());
            assertTrue(path.path("rtt_ms").isNumber(), path.toString());
            await().atMost(Duration.ofSeconds(3)).until(() -> exposer.out().direct());
            download(Rig.port(connector), 50L * 1024 * 1024);
            assertEquals("direct", connector.out().last("path").orElseThrow().path("path").asText());
        }
    }
}
