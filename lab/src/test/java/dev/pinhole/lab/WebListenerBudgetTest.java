package dev.pinhole.lab;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.peer.node.Exposer;
import dev.pinhole.protocol.tls.Identity;
import dev.pinhole.rendezvous.ConnectionBudget;
import dev.pinhole.rendezvous.RendezvousServer;
import dev.pinhole.rendezvous.dashboard.DashboardServer;
import dev.pinhole.rendezvous.ingress.http.Deadlines;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 2,000 idle TCP connections to each of the HTTP, HTTPS and dashboard listeners, from several loopback addresses
 * (127.0.0.2 and up): the listener's own budget refuses what is over its per-source cap, a peer still logs in
 * within 5 s, an honest visitor (or the operator) is served meanwhile, the server's memory stays bounded, and the
 * idle ones are closed by their deadline (docs/security.md, "Limits: HTTP, HTTPS and dashboard listeners").
 */
class WebListenerBudgetTest {
    static final int CAP = 50;
    /** Short idle and ClientHello deadlines, so that the held connections are seen to go. */
    static final Deadlines SHORT = new Deadlines(Duration.ofSeconds(3), Duration.ofSeconds(1), Duration.ofSeconds(1), 1024,
            Duration.ofSeconds(2), Duration.ofSeconds(3));

    @TempDir Path dir;

    /** Opens {@code sources x perSource} connections to {@code port} from 127.0.0.2 on, sending nothing. */
    static List<Socket> holdIdle(int port, int sources, int perSource) throws IOException {
        List<Socket> held = new ArrayList<>();
        for (int source = 2; source < 2 + sources; source++) {
            for (int i = 0; i < perSource; i++) {
                Socket socket = new Socket();
                socket.bind(new InetSocketAddress("127.0.0." + source, 0));
                socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
                held.add(socket);
            }
        }
        return held;
    }

    /** Every connection was taken off the accept queue: what is over the per-source cap refused, the rest at most held. */
    static void awaitAccepted(ConnectionBudget budget, int refusedAtLeast, int heldAtMost) {
        await().atMost(Duration.ofSeconds(30)).until(() -> budget.refused() >= refusedAtLeast);
        assertTrue(budget.open() <= heldAtMost, budget.open() + " open");
    }

    /** A peer logs in (a connector to {@code name} is ready) within 5 s, and the memory grew within bounds. */
    static void peerLogsInAndMemoryIsBounded(Rig rig, String name, ServerMemory before, String what) throws Exception {
        long start = System.nanoTime();
        rig.connectReady(Identity.generate("peer"), name);
        long loginMillis = (System.nanoTime() - start) / 1_000_000;
        ServerMemory during = ServerMemory.now();
        System.out.println(what + ", 2000 idle: " + during.since(before) + "; honest peer up in " + loginMillis + " ms");
        assertTrue(loginMillis < 5_000, "an honest connector was up after " + loginMillis + " ms");
        assertTrue(during.direct() - before.direct() < 32L << 20, during.since(before));
        assertTrue(during.heap() - before.heap() < 128L << 20, during.since(before));
    }

    static URI publish(Rig rig, String name, int port, Exposer.Publication publication) throws Exception {
        return SplicedIdleTest.publish(rig, name, port, publication);
    }

    @Test
    void twoThousandIdleConnectionsToTheHttpPortLeaveRoomForVisitorsAndPeersAndExpire() throws Exception {
        try (Rig rig = new Rig(dir); LocalWebServer web = new LocalWebServer()) {
            RendezvousServer server = rig.startServerWithStun(SHORT, "--max-web-connections-per-source", String.valueOf(CAP));
            URI url = publish(rig, "web", web.port(), Exposer.Publication.http("", List.of()));
            ServerMemory before = ServerMemory.now();
            List<Socket> idle = holdIdle(url.getPort(), 20, 100);
            try {
                awaitAccepted(server.webConnectionBudget(), 20 * (100 - CAP), 20 * CAP);
                HttpIngressAttackTest.honestVisit(url);
                peerLogsInAndMemoryIsBounded(rig, "web", before, "HTTP port");
                assertEquals(0, server.connectionBudget().refused(), "the control port's budget is another");
                await().atMost(SHORT.idle().plusSeconds(12)).until(() -> server.webConnectionBudget().open() == 0);
            } finally {
                ListenerBudgetTest.closeAll(idle);
            }
        }
    }

    @Test
    void twoThousandIdleConnectionsToTheHttpsPortLeaveRoomForVisitorsAndPeersAndExpire() throws Exception {
        try (Rig rig = new Rig(dir); SilentService service = new SilentService()) {
            RendezvousServer server = rig.startServerWithStun(SHORT, "--max-web-connections-per-source", String.valueOf(CAP));
            publish(rig, "secure", service.port(), Exposer.Publication.https(List.of()));
            ServerMemory before = ServerMemory.now();
            List<Socket> idle = holdIdle(SplicedIdleTest.httpsPort(rig), 20, 100);
            try {
                awaitAccepted(server.webConnectionBudget(), 20 * (100 - CAP), 20 * CAP);
                byte[] hello = SplicedIdleTest.clientHello("secure." + Rig.DOMAIN);
                try (Socket honest = new Socket("127.0.0.1", SplicedIdleTest.httpsPort(rig))) {
                    honest.getOutputStream().write(hello);
                    await().atMost(Duration.ofSeconds(10)).until(() -> service.received().length >= hello.length);
                    assertArrayEquals(hello, service.received(), "the honest visitor's ClientHello reached its service");
                }
                peerLogsInAndMemoryIsBounded(rig, "secure", before, "HTTPS port");
                await().atMost(SHORT.clientHello().plusSeconds(12)).until(() -> server.webConnectionBudget().open() == 0);
            } finally {
                ListenerBudgetTest.closeAll(idle);
            }
        }
    }

    @Test
    void twoThousandIdleConnectionsToTheDashboardLeaveRoomForTheOperatorAndPeers() throws Exception {
        try (Rig rig = new Rig(dir); LocalWebServer web = new LocalWebServer()) {
            RendezvousServer server = rig.startServerWithStun();
            rig.exposeReady(Identity.generate("web"), "web", web.port());
            int cap = DashboardServer.MAX_CONNECTIONS_PER_SOURCE;
            int sources = DashboardServer.MAX_CONNECTIONS / cap - 1; // all at their cap, the operator still has room
            int perSource = 2_000 / sources + 1;
            ServerMemory before = ServerMemory.now();
            List<Socket> idle = holdIdle(server.dashboard().address().getPort(), sources, perSource);
            try {
                awaitAccepted(server.dashboardConnectionBudget(), sources * (perSource - cap), sources * cap);
                String secret = Files.readString(server.dataDir().dashboardSecretFile()).trim();
                HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + server.dashboard().address().getPort() + "/metrics"))
                        .header("Authorization", "Bearer " + secret).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, metrics.statusCode());
                peerLogsInAndMemoryIsBounded(rig, "web", before, "dashboard");
            } finally {
                ListenerBudgetTest.closeAll(idle);
            }
        }
    }
}
