package dev.pinhole.lab;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.rendezvous.RendezvousServer;
import dev.pinhole.session.UdpVisitors;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Public UDP ports (docs/udp.md, "Public UDP ports"), typed as a user types them: {@code rendezvous --allow-udp-ports}
 * and {@code peer expose PORT --udp --udp-port auto}; visitors are plain UDP sockets on loopback with no peer.
 */
class PublicUdpPortTest {
    /**
     * The spray's bound on Netty's direct memory: datagrams are never queued without bound (64 held while a session
     * opens, 128 in QUIC), so a few MiB at most; a queue that grew with the spray would pass it.
     */
    static final long DIRECT_BOUND = 32L << 20;
    /**
     * Heap after a collection, rendezvous and exposer together: 1,024 flows at each end (and the exposer's 1,024
     * sockets) take a few MiB; a table that grew with 3,000 sources would not stay under it by much, and one that grew
     * with every datagram would not at all.
     */
    static final long HEAP_BOUND = 64L << 20;

    /** One client, so polling /metrics reuses its connection instead of using up the dashboard's budget. */
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir Path dir;

    /** A UDP port that was free a moment ago, for the rendezvous' range of one. */
    static int freeUdpPort() throws Exception {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            return socket.getLocalPort();
        }
    }

    /** {@code peer expose ECHO --udp --name game FLAGS} against the rig's server; waits for its {@code published} event. */
    PeerCommand expose(Rig rig, int echo, String... flags) {
        List<String> args = new ArrayList<>(List.of("expose", String.valueOf(echo), "--udp", "--name", "game", "--json",
                "--server", rig.joinCode().toString(), "--home", dir.resolve("a").toString()));
        args.addAll(List.of(flags));
        return new PeerCommand(args.toArray(String[]::new));
    }

    static InetSocketAddress published(PeerCommand exposer) {
        String url = exposer.awaitMatch("\"event\":\"published\"[^\\n]*\"url\":\"(udp://[^\"]+)\"");
        URI uri = URI.create(url);
        return new InetSocketAddress(uri.getHost(), uri.getPort());
    }

    /** Sends {@code text} from {@code socket} to {@code to}; the reply within 5 s, or null. */
    static String exchange(DatagramSocket socket, InetSocketAddress to, String text) throws Exception {
        byte[] bytes = text.getBytes();
        socket.send(new DatagramPacket(bytes, bytes.length, to));
        socket.setSoTimeout(5_000);
        DatagramPacket reply = new DatagramPacket(new byte[2048], 2048);
        try {
            socket.receive(reply);
            return new String(reply.getData(), 0, reply.getLength());
        } catch (SocketTimeoutException e) {
            return null;
        }
    }

    /**
     * Sends {@code count} datagrams of {@code size} bytes from {@code socket} in windows of {@code window}, each window
     * waiting at most 2 s for its echoes; returns how many came back intact. Bounded: count / window windows of 2 s.
     */
    static int echoed(DatagramSocket socket, InetSocketAddress to, int count, int size, int window) throws Exception {
        Random random = new Random(42);
        int intact = 0;
        socket.setReceiveBufferSize(1 << 20);
        for (int first = 0; first < count; first += window) {
            List<byte[]> sent = new ArrayList<>();
            for (int i = first; i < Math.min(count, first + window); i++) {
                byte[] payload = new byte[size];
                random.nextBytes(payload);
                ByteBuffer.wrap(payload).putInt(i);
                sent.add(payload);
                socket.send(new DatagramPacket(payload, size, to));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            byte[] buffer = new byte[65_536];
            for (int received = 0; received < sent.size() && System.nanoTime() < deadline; received++) {
                socket.setSoTimeout((int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                DatagramPacket reply = new DatagramPacket(buffer, buffer.length);
                try {
                    socket.receive(reply);
                } catch (SocketTimeoutException e) {
                    break;
                }
                int index = ByteBuffer.wrap(buffer).getInt() - first;
                if (index >= 0 && index < sent.size() && Arrays.equals(sent.get(index), Arrays.copyOf(buffer, reply.getLength()))) {
                    intact++;
                }
            }
        }
        return intact;
    }

    static String metrics(RendezvousServer server) throws Exception {
        String secret = Files.readString(server.dataDir().dashboardSecretFile()).trim();
        URI uri = URI.create("http://127.0.0.1:" + server.dashboard().address().getPort() + "/metrics");
        return HTTP.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + secret)
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    static String state(RendezvousServer server) throws Exception {
        String secret = Files.readString(server.dataDir().dashboardSecretFile()).trim();
        URI uri = URI.create("http://127.0.0.1:" + server.dashboard().address().getPort() + "/api/state");
        return HTTP.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + secret)
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void anEchoPublishedOnAnAutoPortAnswers500DatagramsAnd50VisitorsEachTheirOwn() throws Exception {
        int range = freeUdpPort();
        try (Rig rig = new Rig(dir); UdpServices services = new UdpServices()) {
            RendezvousServer server = rig.startServerTyped("--allow-udp-ports", range + "-" + range);
            try (PeerCommand exposer = expose(rig, services.echo(), "--udp-port", "auto")) {
                InetSocketAddress url = published(exposer);
                assertEquals(new InetSocketAddress("127.0.0.1", range), url);
                assertTrue(exposer.log().contains("public: udp://127.0.0.1:" + range) || exposer.log().contains(
                        "\"url\":\"udp://127.0.0.1:" + range + "\""), exposer.log());

                int intact;
                try (DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                    // The first burst of 50 opens the ingress session and the flow: held, not lost, while the session
                    // and then the flow's socket at the exposer open (docs/udp.md, "Flows"; 8 per flow lost ~19 here).
                    intact = echoed(client, url, 500, 1_000, 50);
                }
                assertTrue(intact >= 495, intact + " of 500 back intact\n" + exposer.log());

                List<DatagramSocket> visitors = new ArrayList<>();
                try {
                    for (int i = 0; i < 50; i++) {
                        visitors.add(new DatagramSocket(new InetSocketAddress("127.0.0.1", 0)));
                    }
                    for (int i = 0; i < visitors.size(); i++) { // all flows open at once, then all replies read
                        byte[] hello = ("visitor " + i).getBytes();
                        visitors.get(i).send(new DatagramPacket(hello, hello.length, url));
                    }
                    int own = 0;
                    for (int i = 0; i < visitors.size(); i++) {
                        visitors.get(i).setSoTimeout(5_000);
                        DatagramPacket reply = new DatagramPacket(new byte[100], 100);
                        try {
                            visitors.get(i).receive(reply);
                            own += new String(reply.getData(), 0, reply.getLength()).equals("visitor " + i) ? 1 : 0;
                        } catch (SocketTimeoutException e) {
                            // counted as missing
                        }
                    }
                    assertEquals(50, own, "replies that reached their own visitor");
                } finally {
                    visitors.forEach(DatagramSocket::close);
                }
                String metrics = metrics(server);
                assertTrue(metrics.contains("pinhole_udp_flows{port=\"" + range + "\"} 51\n"), metrics);
                assertTrue(metrics.contains("pinhole_udp_datagrams_total{direction=\"in\",port=\"" + range + "\"} 550\n"),
                        metrics);
                assertTrue(state(server).contains("\"udp://127.0.0.1:" + range + "\""), state(server));
            }
        }
    }

    @Test
    void theAllowListServesItsAddressAndDropsAndCountsAnother() throws Exception {
        int range = freeUdpPort();
        try (Rig rig = new Rig(dir); UdpServices services = new UdpServices()) {
            RendezvousServer server = rig.startServerTyped("--allow-udp-ports", range + "-" + range);
            try (PeerCommand exposer = expose(rig, services.echo(), "--udp-port", String.valueOf(range),
                    "--allow-ip", "127.0.0.2/32");
                 DatagramSocket allowed = new DatagramSocket(new InetSocketAddress("127.0.0.2", 0));
                 DatagramSocket stranger = new DatagramSocket(new InetSocketAddress("127.0.0.3", 0))) {
                InetSocketAddress url = published(exposer);
                assertEquals("hello", exchange(allowed, url, "hello"));
                assertEquals(null, exchange(stranger, url, "let me in"));
                String metrics = metrics(server);
                assertTrue(metrics.contains("pinhole_udp_dropped_total{port=\"" + range + "\",reason=\"not_allowed\"} 1\n"),
                        metrics);
                assertTrue(metrics.contains("pinhole_udp_flows{port=\"" + range + "\"} 1\n"), metrics);
                assertEquals(1, services.echoSenders.size(), "the service saw only the allowed visitor");
            }
        }
    }

    /** A value read from {@code /metrics}: the sample {@code name{labels}}, or -1 if absent. */
    static long sample(String metrics, String nameAndLabels) {
        for (String line : metrics.split("\n")) {
            if (line.startsWith(nameAndLabels + " ")) {
                return Long.parseLong(line.substring(nameAndLabels.length() + 1));
            }
        }
        return -1;
    }

    @Test
    void aSprayFrom3000SourcePortsStopsAtTheFlowCapWhileAnHonestVisitorIsStillServed() throws Exception {
        int range = freeUdpPort();
        try (Rig rig = new Rig(dir); UdpServices services = new UdpServices()) {
            RendezvousServer server = rig.startServerTyped("--allow-udp-ports", range + "-" + range);
            try (PeerCommand exposer = expose(rig, services.echo(), "--udp-port", "auto");
                 DatagramSocket honest = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                InetSocketAddress url = published(exposer);
                assertEquals("hello", exchange(honest, url, "hello"));
                ServerMemory before = ServerMemory.now();
                Set<Integer> sources = new HashSet<>();
                byte[] junk = new byte[100];
                String received = "pinhole_udp_datagrams_total{direction=\"in\",port=\"" + range + "\"}";
                // Bounded: at most 4,000 sockets, 50 open at a time, one datagram each. Each batch waits until the
                // rendezvous has read it (the hello was one): past the kernel's receive buffer (~200 small datagrams)
                // loopback would drop the spray before it could test the cap.
                for (int attempts = 0; sources.size() < 3_000 && attempts < 4_000; attempts += 50) {
                    List<DatagramSocket> batch = new ArrayList<>();
                    try {
                        for (int i = 0; i < 50; i++) {
                            DatagramSocket socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
                            batch.add(socket);
                            if (sources.size() < 3_000 && sources.add(socket.getLocalPort())) {
                                socket.send(new DatagramPacket(junk, junk.length, url));
                            }
                        }
                        int sent = sources.size() + 1;
                        await().atMost(Duration.ofSeconds(10)).until(() -> sample(metrics(server), received) >= sent);
                    } finally {
                        batch.forEach(DatagramSocket::close);
                    }
                }
                assertEquals(3_000, sources.size(), "distinct source ports");
                String flows = "pinhole_udp_flows{port=\"" + range + "\"}";
                String capped = "pinhole_udp_dropped_total{port=\"" + range + "\",reason=\"flow_cap\"}";
                await().atMost(Duration.ofSeconds(20)).until(() -> sample(metrics(server), flows) == UdpVisitors.MAX_FLOWS);
                String metrics = metrics(server);
                System.out.println("udp spray of 3000 source ports: " + sample(metrics, capped) + " refused at the cap of "
                        + UdpVisitors.MAX_FLOWS);
                assertEquals(3_000 - (UdpVisitors.MAX_FLOWS - 1), sample(metrics, capped), metrics);
                assertEquals("still here", exchange(honest, url, "still here"), "the honest visitor's flow is served");
                ServerMemory after = ServerMemory.now();
                System.out.println("udp spray: server " + after.since(before));
                assertTrue(after.direct() - before.direct() < DIRECT_BOUND, after.since(before));
                assertTrue(after.heap() - before.heap() < HEAP_BOUND, after.since(before));
            }
        }
    }

    @Test
    void aRendezvousWithoutUdpPortsRefusesUdpPortAsItRefusesTcpPort() throws Exception {
        try (Rig rig = new Rig(dir); UdpServices services = new UdpServices()) {
            rig.startServerTyped();
            String udpExit;
            try (PeerCommand udp = expose(rig, services.echo(), "--udp-port", "auto")) {
                udpExit = udp.awaitMatch("(exit \\d)");
                assertTrue(udp.log().contains("cannot publish 'game': this rendezvous allows no public UDP ports (its"
                        + " operator can allow some with --allow-udp-ports 30000-30100)"), udp.log());
            }
            try (PeerCommand tcp = new PeerCommand("expose", "8080", "--name", "web", "--tcp-port", "auto",
                    "--server", rig.joinCode().toString(), "--home", dir.resolve("b").toString())) {
                assertEquals(tcp.awaitMatch("(exit \\d)"), udpExit, tcp.log());
            }
            assertEquals("exit 2", udpExit);
        }
    }

    @Test
    void udpPortWithoutUdpIsAUsageError() {
        try (PeerCommand expose = new PeerCommand("expose", "8080", "--name", "web", "--udp-port", "auto",
                "--server", "pinhole://pht_x@127.0.0.1:1?fp=sha256:00", "--home", dir.resolve("c").toString())) {
            expose.awaitMatch("(exit 2)");
            assertTrue(expose.log().contains("--udp-port publishes UDP: add --udp (and --tcp to carry TCP too)"), expose.log());
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
