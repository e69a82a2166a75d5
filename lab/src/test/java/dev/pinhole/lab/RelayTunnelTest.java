package dev.pinhole.lab;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pinhole.protocol.tls.Identity;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** expose + connect through the relay, as a user runs them, with a real HTTP server behind. */
class RelayTunnelTest {
    @TempDir Path dir;

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void fiftyMegabyteDownloadArrivesIntact() throws Exception {
        try (Rig rig = new Rig(dir); LocalWebServer web = new LocalWebServer()) {
            rig.startServer(0);
            rig.exposeReady(Identity.generate("a"), "web", web.port());
            long size = 50L * 1024 * 1024;
            var connector = rig.connectReady(Identity.generate("b"), "web");
            URI uri = URI.create("http://127.0.0.1:" + Rig.port(connector) + "/blob/" + size);
            HttpResponse<InputStream> response = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            MessageDigest got = MessageDigest.getInstance("SHA-256");
            long received;
            try (InputStream in = response.body()) {
                received = in.transferTo(new DigestOutputStream(java.io.OutputStream.nullOutputStream(), got));
            }
            MessageDigest want = MessageDigest.getInstance("SHA-256");
            LocalWebServer.writeBlob(new DigestOutputStream(java.io.OutputStream.nullOutputStream(), want), size);
            assertEquals(size, received);
            assertArrayEquals(want.digest(), got.digest());
        }
    }
}
