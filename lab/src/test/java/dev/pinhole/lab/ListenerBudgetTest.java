package dev.pinhole.lab;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.protocol.tls.Identity;
import dev.pinhole.rendezvous.RendezvousServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 2,000 idle TCP connections to each public listener, from 20 loopback addresses (127.0.0.2-21, 100 each) and
 * with the per-source cap lowered to 50 through the real flag: a peer from another address still logs in within
 * 5 s, the server holds at most the caps' worth, its memory stays bounded, and the idle ones are gone once
 * their deadline passes (docs/security.md, "Limits: connections, control plane, quotas").
 */
class ListenerBudgetTest {
    static final int SOURCES = 20;
    static final int PER_SOURCE = 100;
    static final int CAP = 50;

    @TempDir Path dir;

    /** Opens {@code SOURCES x PER_SOURCE} connections to {@code port} and sends nothing; returns them to close. */
    static List<Socket> holdIdle(int port) throws IOException {
        List<Socket> held = new ArrayList<>();
        for (int source = 2; source < 2 + SOURCES; source++) {
            for (int i = 0; i < PER_SOURCE; i++) {
                Socket socket = new Socket();
                socket.bind(new InetSocketAddress("127.0.0." + source, 0));
                socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
                held.add(socket);
            }
        }
        return held;
    }

    /**
     * The server has taken every one of them off its accept queue: at most {@code held} kept (fewer once the
     * deadline closes the first ones: on a loaded 2-core machine accepting 2,000 takes seconds), the rest refused.
     */
    static void awaitAccepted(RendezvousServer server, int held) {
        await().atMost(Duration.ofSeconds(30)).until(() -> server.connectionBudget().refused() >= SOURCES * (PER_SOURCE - CAP));
        assertTrue(server.connectionBudget().open() <= held, server.connectionBudget().open() + " open");
    }

    static void closeAll(List<Socket> sockets) {
        for (Socket socket : sockets) {
            try {
                socket.close();
            } catch (IOException e) {
                // closing is all that matters
            }
        }
    }

    @Test
    void twoThousandIdleConnectionsToTheControlPortLeaveRoomForAPeerAndExpire() throws Exception {
        try (Rig rig = new Rig(dir); LocalWebServer web = new LocalWebServer()) {
            RendezvousServer server = rig.startServerWithStun("--max-connections-per-source", String.valueOf(CAP),
                    "--tls-timeout", "3");
            ServerMemory before = ServerMemory.now();
            List<Socket> idle = holdIdle(server.port());
            try {
                awaitAccepted(server, SOURCES * CAP);
                Identity honest = Identity.generate("honest");
                long start = System.nanoTime();
                rig.exposeReady(honest, "web", web.port()); // logged in and registered
                long loginMillis = (System.nanoTime() - start) / 1_000_000;
                assertTrue(loginMillis < 5_000, "an honest exposer was logged in after " + loginMillis + " ms");
                var connector = rig.connectReady(Identity.generate("visitor"), "web");
                DirectTunnelTest.download(Rig.port(connector), 1024 * 1024);
                ServerMemory during = ServerMemory.now();
                System.out.println("control port, 2000 idle: " + during.since(before) + "; honest exposer up in " + loginMillis
                        + " ms");
                assertTrue(during.direct() - before.direct() < 32L << 20, during.since(before));
                assertTrue(during.heap() - before.heap() < 128L << 20, during.since(before));
                // TLS deadline: every idle one is closed by the server, only the two honest peers stay.
                await().atMost(Duration.ofSeconds(10)).until(() -> server.connectionBudget().open() == 2);
                assertEquals(2, server.connectionBudget().sources() + 1, "only 127.0.0.1 is left in the table");
            } finally {
                closeAll(idle);
            }
        }
    }

    @Test
    void twoThousandIdleConnectionsToAPublicTcpPortLeaveRoomForAVisitorAndExpire() throws Exception {
        try (Rig rig = new Rig(dir); LocalWebServer web = new LocalWebServer()) {
            RendezvousServer server = rig.startServerWithStun("--max-connections-per-source", String.valueOf(CAP),
                    "--tcp-idle-timeout", "3");
            var exposer = rig.expose(Identity.generate("a"), rig.joinCode(),
                    TcpIngressTest.webOnTcp(web.port(), 0, List.of()));
            await().atMost(Duration.ofSeconds(10)).until(() -> exposer.out().last("published").isPresent());
            ServerMemory before = ServerMemory.now();
            List<Socket> idle = holdIdle(rig.publicPort);
            try {
                awaitAccepted(server, SOURCES * CAP + 1);
                // A visitor from an address of its own: the held ones use up one ingress session's stream credit
                // (1000), and the rendezvous opens another session for the next visitors.
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                URI hello = URI.create("http://127.0.0.1:" + rig.publicPort + "/hello");
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(hello).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(LocalWebServer.HELLO, response.body());
                Identity peer = Identity.generate("peer");
                long start = System.nanoTime();
                rig.connectReady(peer, "web");
                long loginMillis = (System.nanoTime() - start) / 1_000_000;
                assertTrue(loginMillis < 5_000, "an honest connector was up after " + loginMillis + " ms");
                ServerMemory during = ServerMemory.now();
                System.out.println("public TCP port, 2000 idle: " + during.since(before) + "; honest peer up in "
                        + loginMillis + " ms");
                assertTrue(during.direct() - before.direct() < 32L << 20, during.since(before));
                assertTrue(during.heap() - before.heap() < 128L << 20, during.since(before));
                // Idle limit: the held visitors are closed; the exposer and the connector stay.
                await().atMost(Duration.ofSeconds(15)).until(() -> server.connectionBudget().open() == 2);
            } finally {
                closeAll(idle);
            }
        }
    }
}
