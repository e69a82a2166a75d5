package dev.pinhole.lab;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.protocol.tls.Identity;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rendezvous goes away while a session is direct: the session, and the transfer on it, go on; neither peer says
 * the session closed until one of them stops.
 */
class RendezvousOutageTest {
    @TempDir Path dir;

    @Test
    void aDirectSessionAndItsStreamsOutliveTheRendezvous() throws Exception {
        try (Rig rig = new Rig(dir); LocalWebServer web = new LocalWebServer()) {
            rig.startServerWithStun();
            var exposer = rig.exposeReady(Identity.generate("a"), "web", web.port());
            var connector = rig.connectReady(Identity.generate("b"), "web");
            await().atMost(Duration.ofSeconds(5)).until(() -> connector.out().direct());

            long size = 30L * 1024 * 1024;
            try (Socket visitor = new Socket("127.0.0.1", Rig.port(connector))) {
                visitor.setSoTimeout(20_000);
                visitor.getOutputStream().write(("GET /blob/" + size + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                InputStream in = visitor.getInputStream();
                StringBuilder head = new StringBuilder();
                while (!head.toString().endsWith("\r\n\r\n")) {
                    head.append((char) in.read());
                }
                assertTrue(head.toString().startsWith("HTTP/1.1 200"), head.toString());
                MessageDigest got = MessageDigest.getInstance("SHA-256");
                got.update(in.readNBytes(1024 * 1024));

                rig.closeServer(); // mid-transfer: both control connections drop

                await().atMost(Duration.ofSeconds(10)).until(() -> connector.out().toString().contains("stays up on its direct path"));
                byte[] rest = in.readAllBytes();
                got.update(rest);
                assertEquals(size, 1024 * 1024 + rest.length);
                MessageDigest want = MessageDigest.getInstance("SHA-256");
                LocalWebServer.writeBlob(new DigestOutputStream(OutputStream.nullOutputStream(), want), size);
                assertArrayEquals(want.digest(), got.digest());
            }
            // New connections still reach the service over the same session, with no rendezvous at all.
            try (Socket visitor = new Socket("127.0.0.1", Rig.port(connector))) {
                visitor.setSoTimeout(10_000);
                visitor.getOutputStream().write("GET /hello HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                String answer = new String(visitor.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(answer.endsWith(LocalWebServer.HELLO), answer);
            }
            assertEquals(0, connector.out().count("session-closed"), connector.out().toString());
            assertEquals(0, exposer.out().count("session-closed"), exposer.out().toString());
            assertTrue(connector.out().direct(), connector.out().toString());
            // Both sides do say when the session ends: here when the exposer stops, over the direct path alone.
            exposer.node().close();
            await().atMost(Duration.ofSeconds(10)).until(() -> connector.out().count("session-closed") == 1);
        }
    }
}
