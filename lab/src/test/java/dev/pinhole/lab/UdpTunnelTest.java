package dev.pinhole.lab;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.protocol.net.Transport;
import io.netty.channel.EventLoopGroup;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.SingletonDnsServerAddressStreamProvider;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * UDP services through {@code peer expose --udp} and {@code peer connect --udp}, typed as a user types them, against a
 * real rendezvous on loopback (docs/udp.md): datagrams arrive intact, each visitor is a flow of its own, flows idle
 * out, what does not fit is dropped and counted, and a name that carries no UDP is refused clearly.
 */
class UdpTunnelTest {
    @TempDir Path dir;

    String home(String name) {
        return dir.resolve(name).toString();
    }

    /** An exposer of {@code port} with {@code flags}, and a connector with {@code connectFlags}; returns where it listens. */
    record Tunnel(PeerCommand expose, PeerCommand connect, InetSocketAddress listen) implements AutoCloseable {
        @Override
        public void close() throws InterruptedException {
            connect.close();
            expose.close();
        }
    }

    Tunnel tunnel(String join, int port, List<String> exposeFlags, List<String> connectFlags) {
        List<String> expose = new ArrayList<>(List.of("expose", String.valueOf(port), "--name", "game", "--server", join,
                "--home", home("a")));
        expose.addAll(exposeFlags);
        PeerCommand exposer = new PeerCommand(expose.toArray(String[]::new));
        exposer.awaitMatch("(exposing)");
        List<String> connect = new ArrayList<>(List.of("connect", "game", "--udp", "--listen", "127.0.0.1:0", "--json",
                "--server", join, "--home", home("b")));
        connect.addAll(connectFlags);
        PeerCommand connector = new PeerCommand(connect.toArray(String[]::new));
        String listen = connector.awaitMatch("\"event\":\"ready\",\"listen\":\"([^\"]+)\"");
        int colon = listen.lastIndexOf(':');
        return new Tunnel(exposer, connector, new InetSocketAddress(listen.substring(0, colon),
                Integer.parseInt(listen.substring(colon + 1))));
    }

    /**
     * Sends {@code count} datagrams of {@code size} bytes in windows of {@code window}, each window waiting at most
     * 2 s for its echoes; returns how many came back intact. Bounded: count / window windows of 2 s at most.
     */
    static int echoed(InetSocketAddress to, int count, int size, int window) throws Exception {
        Random random = new Random(42);
        int intact = 0;
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
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
                int received = 0;
                byte[] buffer = new byte[65_536];
                while (received < sent.size() && System.nanoTime() < deadline) {
                    socket.setSoTimeout((int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                    DatagramPacket reply = new DatagramPacket(buffer, buffer.length);
                    try {
                        socket.receive(reply);
                    } catch (SocketTimeoutException e) {
                        break;
                    }
                    received++;
                    int index = ByteBuffer.wrap(buffer).getInt() - first;
                    if (index >= 0 && index < sent.size()
                            && Arrays.equals(sent.get(index), Arrays.copyOf(buffer, reply.getLength()))) {
                        intact++;
                    }
                }
            }
        }
        return intact;
    }

    @Test
    void aThousandDatagramsOf1200BytesComeBackIntactOnASessionThatMayGoDirect() throws Exception {
        try (Rig rig = new Rig(dir); UdpServices services = new UdpServices()) {
            String join = rig.startServerWithStun().joinCode().toString();
            int echo = services.echo();
            try (Tunnel tunnel = tunnel(join, echo, List.of("--udp"), List.of())) {
                assertTrue(tunnel.expose().log().contains("exposing UDP 127.0.0.1:" + echo + " as 'game'"),
                        tunnel.expose().log());
                long start = System.nanoTime();
                int intact = echoed(tunnel.listen(), 1_000, 1_200, 50);
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                System.out.println("udp echo: " + intact + " of 1000 datagrams of 1200 bytes back intact in " + millis + " ms");
                assertTrue(intact >= 990, intact + " of 1000 back intact\n" + tunnel.connect().log());
            }
        }
    }

    @Test
    void aSessionThatStaysOnTheRelayCarriesDatagramsLargerThanAnInternetPacket() throws Exception {
        try (Rig rig = new Rig(dir); UdpServices services = new UdpServices()) {
            String join = rig.startServer(0).joinCode().toString(); // no STUN: the session stays on the relay
            try (Tunnel tunnel = tunnel(join, services.echo(), List.of("--udp"), List.of())) {
                assertTrue(echoed(tunnel.listen(), 100, 1_200, 20) >= 99, tunnel.connect().log());
                assertEquals(10, echoed(tunnel.listen(), 10, 8_000, 10), tunnel.connect().log());
            }
        }
    }

    @Test
    void aDnsQueryThroughTheTunnelGetsTheServersAnswer() throws Exception {
        try (Rig rig = new Rig(dir); UdpServices services = new UdpServices()) {
            String join = rig.startServerWithStun().joinCode().toString();
            try (Tunnel tunnel = tunnel(join, services.dns(), List.of("--udp"), List.of())) {
                EventLoopGroup group = Transport.newGroup(1, "dns-client");
                try (DnsNameResolver resolver = new DnsNameResolverBuilder(group.next())
                        .datagramChannelType(Transport.datagramChannel())
                        .nameServerProvider(new SingletonDnsServerAddressStreamProvider(tunnel.listen()))
                        .queryTimeoutMillis(5_000)
                        .maxQueriesPerResolve(1)
                        .build()) {
                    InetAddress address = resolver.resolve("game.example").get(10, TimeUnit.SECONDS);
                    assertArrayEquals(UdpServices.ANSWER, address.getAddress());
                } finally {
                    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                }
            }
        }
    }

    @Test
    void twoHundredVisitorsAreTwoHundredFlowsAndEachGetsItsOwnReplies() throws Exception {
        try (Rig rig = new Rig(dir); UdpServices services = new UdpServices()) {
            String join = rig.startServerWithStun().joinCode().toString();
            try (Tunnel tunnel = tunnel(join, services.echo(), List.of("--udp"), List.of())) {
                List<DatagramSocket> visitors = new ArrayList<>();
                try {
                    for (int i = 0; i < 200; i++) {
                        visitors.add(new DatagramSocket(new InetSocketAddress("127.0.0.1", 0)));
                    }
                    for (int i = 0; i < visitors.size(); i++) { // all flows open at once, then all replies read
                        byte[] hello = ("visitor " + i).getBytes();
                        visitors.get(i).send(new DatagramPacket(hello, hello.length, tunnel.listen()));
                    }
                    int own = 0;
                    for (int i = 0; i < visitors.size(); i++) {
                        DatagramSocket visitor = visitors.get(i);
                        visitor.setSoTimeout(5_000);
                        DatagramPacket reply = new DatagramPacket(new byte[100], 100);
                        try {
                            visitor.receive(reply);
                            own += new String(reply.getData(), 0, reply.getLength()).equals("visitor " + i) ? 1 : 0;
                        } catch (SocketTimeoutException e) {
                            // counted as missing
                        }
                    }
                    assertEquals(200, own, "replies that reached their own visitor\n" + tunnel.connect().log());
                    assertEquals(200, services.echoSenders.size(), "the service saw each visitor as a client of its own");
                } finally {
                    visitors.forEach(DatagramSocket::close);
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> status("b").contains("udp: 200 flows"));
            }
        }
    }

    @Test
    void aFlowIdleForTheTimeoutEndsAndTheNextDatagramStartsANewOne() throws Exception {
        try (Rig rig = new Rig(dir); UdpServices services = new UdpServices()) {
            String join = rig.startServerWithStun().joinCode().toString();
            try (Tunnel tunnel = tunnel(join, services.echo(), List.of("--udp", "--udp-idle-timeout", "1"),
                    List.of("--udp-idle-timeout", "1"))) {
                try (DatagramSocket visitor = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                    visitor.setSoTimeout(5_000);
                    byte[] ping = "ping".getBytes();
                    visitor.send(new DatagramPacket(ping, ping.length, tunnel.listen()));
                    visitor.receive(new DatagramPacket(new byte[10], 10));
                    assertEquals(1, services.echoSenders.size());
                    await().atMost(Duration.ofSeconds(10)).until(() -> status("b").contains("udp: 1 flows"));
                    await().atMost(Duration.ofSeconds(10)).until(() -> status("b").contains("udp: 0 flows"));
                    assertTrue(status("b").contains("1 expired"), status("b"));
                    visitor.send(new DatagramPacket(ping, ping.length, tunnel.listen()));
                    visitor.receive(new DatagramPacket(new byte[10], 10));
                    assertEquals(2, services.echoSenders.size(), "the exposer's socket of the old flow was closed");
                }
            }
        }
    }

    @Test
    void aDatagramTooLargeForTheSessionIsDroppedCountedAndSaidOnceWhileSmallerOnesPass() throws Exception {
        try (Rig rig = new Rig(dir); UdpServices services = new UdpServices()) {
            String join = rig.startServerWithStun().joinCode().toString();
            try (Tunnel tunnel = tunnel(join, services.echo(), List.of("--udp"), List.of())) {
                assertEquals(1, echoed(tunnel.listen(), 1, 1_200, 1));
                try (DatagramSocket visitor = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                    for (int i = 0; i < 3; i++) {
                        visitor.send(new DatagramPacket(new byte[1_400], 1_400, tunnel.listen()));
                    }
                }
                String note = tunnel.connect().awaitMatch("(UDP datagram of 1400 bytes from \\S+ dropped: this session carries"
                        + " at most \\d+)");
                int max = Integer.parseInt(note.substring(note.lastIndexOf(' ') + 1));
                // WireGuard at MTU 1280 (IPv6's minimum) sends 1280 + 32 bytes: docs/udp.md, "Sizes".
                assertTrue(max >= 1_312 && max < 1_350, "largest datagram " + max);
                System.out.println("udp: largest datagram on a direct-capable session: " + max + " bytes");
                await().atMost(Duration.ofSeconds(10)).until(() -> status("b").contains("3 too large (max " + max + " bytes)"));
                Matcher notes = Pattern.compile("UDP datagram of 1400").matcher(tunnel.connect().log());
                assertEquals(1, notes.results().count(), "said once per flow");
                assertEquals(1, echoed(tunnel.listen(), 1, 1_200, 1), "the tunnel goes on");
            }
        }
    }

    @Test
    void connectUdpToATcpOnlyNameAndTcpToAUdpOnlyNameAreRefusedSayingWhatToDo() throws Exception {
        try (Rig rig = new Rig(dir)) {
            String join = rig.startServer(0).joinCode().toString();
            try (PeerCommand web = new PeerCommand("expose", "8080", "--name", "web", "--server", join, "--home", home("a"));
                 PeerCommand game = new PeerCommand("expose", "19132", "--name", "game", "--udp", "--server", join,
                         "--home", home("c"))) {
                web.awaitMatch("(exposing)");
                game.awaitMatch("(exposing)");
                try (PeerCommand connect = new PeerCommand("connect", "web", "--udp", "--server", join, "--home", home("b"))) {
                    connect.awaitMatch("('web' carries TCP only; its exposer must add --udp \\(peer expose PORT --udp"
                            + " --name web\\))");
                    connect.awaitMatch("(exit 2)");
                }
                try (PeerCommand connect = new PeerCommand("connect", "game", "--server", join, "--home", home("b"))) {
                    connect.awaitMatch("('game' carries UDP only; connect with --udp)");
                    connect.awaitMatch("(exit 2)");
                }
            }
        }
    }

    /** {@code peer status} of home {@code name}, as a user reads it. */
    String status(String name) {
        return OptionsTest.peer("status", "--home", home(name)).out();
    }
}
