package dev.pinhole.lab;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.session.UdpVisitors;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A visitor spraying datagrams from 3,000 source ports at {@code connect --udp}'s listener (docs/udp.md, "Flows"): the
 * flows stop at the cap, the refused ones are counted in {@code peer status}, the exposer opens no more sockets than
 * the cap, memory stays bounded, and an honest visitor's flow keeps getting replies throughout.
 */
class UdpFlowFloodTest {
    /** Source ports the attacker uses: three times the cap, so that most of its flows must be refused. */
    static final int SPRAY_PORTS = 3_000;
    /** After this many spray datagrams, the honest visitor asks once and must be answered. */
    static final int HONEST_EVERY = 100;
    /** 1,024 flows of small datagrams hold sockets and table entries, not buffers: a few MiB at most. */
    static final long DIRECT_BOUND = 32L << 20;
    static final long HEAP_BOUND = 64L << 20;

    @TempDir Path dir;

    /** Sockets this JVM has open now (both peers run in it): the exposer's per-flow sockets among them. */
    static long openSockets() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().startsWith("socket:");
                } catch (IOException gone) {
                    return false; // closed while listed
                }
            }).count();
        }
    }

    /** One echo round trip of the honest visitor; whether the reply came back within 2 s. */
    static boolean answered(DatagramSocket honest, InetSocketAddress listen, int round) throws IOException {
        byte[] ask = ("honest " + round).getBytes();
        honest.send(new DatagramPacket(ask, ask.length, listen));
        DatagramPacket reply = new DatagramPacket(new byte[64], 64);
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (System.nanoTime() < deadline) {
            honest.setSoTimeout((int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            try {
                honest.receive(reply);
            } catch (SocketTimeoutException e) {
                return false;
            }
            if (new String(reply.getData(), 0, reply.getLength()).equals("honest " + round)) {
                return true; // an earlier round's late reply is skipped
            }
        }
        return false;
    }

    static long counter(String status, String name) {
        Matcher m = Pattern.compile("udp: (\\d+) flows, .* (\\d+) flows refused").matcher(status);
        assertTrue(m.find(), status);
        return Long.parseLong(m.group(name.equals("flows") ? 1 : 2));
    }

    @Test
    @Timeout(120)
    void threeThousandSourcePortsGetTheCapOfFlowsAndTheHonestFlowKeepsItsReplies() throws Exception {
        try (Rig rig = new Rig(dir); UdpServices services = new UdpServices()) {
            String join = rig.startServerWithStun().joinCode().toString();
            int echo = services.echo();
            UdpTunnelTest tunnels = new UdpTunnelTest();
            tunnels.dir = dir;
            try (UdpTunnelTest.Tunnel tunnel = tunnels.tunnel(join, echo, List.of("--udp"), List.of());
                 DatagramSocket honest = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                assertTrue(answered(honest, tunnel.listen(), -1), "the honest flow works before the spray");
                long socketsBefore = openSockets();
                ServerMemory before = ServerMemory.now();
                Set<Integer> ports = new HashSet<>();
                int rounds = 0;
                int answeredRounds = 0;
                byte[] junk = new byte[32];
                while (ports.size() < SPRAY_PORTS) {
                    try (DatagramSocket attacker = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                        if (!ports.add(attacker.getLocalPort())) {
                            continue; // a port used before is no new flow
                        }
                        attacker.send(new DatagramPacket(junk, junk.length, tunnel.listen()));
                    }
                    if (ports.size() % HONEST_EVERY == 0) {
                        rounds++;
                        answeredRounds += answered(honest, tunnel.listen(), rounds) ? 1 : 0;
                    }
                }
                assertEquals(rounds, answeredRounds, "honest round trips answered during the spray");
                int cap = UdpVisitors.MAX_FLOWS;
                // The status file is rewritten at most once a second: wait for the spray's last counts.
                await().atMost(Duration.ofSeconds(10)).until(() -> counter(tunnels.status("b"), "flows") == cap
                        && counter(tunnels.status("b"), "refused") >= SPRAY_PORTS / 2);
                String connector = tunnels.status("b");
                String exposer = tunnels.status("a");
                ServerMemory after = ServerMemory.now();
                long socketsAfter = openSockets();
                System.out.println("udp flow flood: " + SPRAY_PORTS + " source ports; connector " + connector.trim()
                        + "; exposer " + exposer.trim() + "; sockets +" + (socketsAfter - socketsBefore) + "; "
                        + after.since(before));
                assertEquals(cap, counter(connector, "flows"), connector);
                // Every port beyond the cap is refused (fewer only if the kernel's buffer dropped some datagrams first).
                long refused = counter(connector, "refused");
                assertTrue(refused >= SPRAY_PORTS / 2 && refused <= SPRAY_PORTS + 1 - cap, connector);
                assertTrue(counter(exposer, "flows") <= cap, exposer);
                assertTrue(socketsAfter - socketsBefore <= cap, "sockets opened: " + (socketsAfter - socketsBefore));
                assertTrue(after.direct() - before.direct() < DIRECT_BOUND, after.since(before));
                assertTrue(after.heap() - before.heap() < HEAP_BOUND, after.since(before));
                assertTrue(answered(honest, tunnel.listen(), rounds + 1), "the honest flow still works after the spray");
            }
        }
    }
}
