package dev.pinhole.lab;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * UDP services across real NATs (docs/udp.md, "In the NAT lab"): a UDP echo exposed with {@code --udp} in site A, a
 * {@code connect --udp} in site B, datagrams sent by {@link UdpEcho} in site B. Over a punched direct path (a cone
 * against a symmetric NAT), over the relay (symmetric against symmetric), and one flow that keeps going while its
 * session moves from the relay to a direct path.
 */
class NatLabUdpTest {
    /** The verdict of {@link UdpEcho}'s sender, and its line (which names the datagrams lost). */
    record Verdict(int sent, int intact, long maxGapMillis, String line) {
        static Verdict of(String line) {
            Matcher m = Pattern.compile("sent (\\d+) intact (\\d+) maxgap (\\d+)").matcher(line);
            assertTrue(m.find(), () -> "no verdict: " + line);
            return new Verdict(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Long.parseLong(m.group(3)), line);
        }
    }

    /**
     * The longest a flow may go without a reply while its session changes path: 1 s, 50 datagrams at 20 ms. The switch
     * itself (docs/direct-paths.md) holds nothing back, so what is left is the few datagrams in flight on the abandoned
     * path, plus scheduling: on a loaded 2-core machine a flow that stays on one path shows gaps of up to ~0.5 s. A
     * stall (datagrams held behind a handshake or a stream) would be seconds, as a TCP transfer's is in
     * NatLabPathChangeTest.
     */
    static final long SWITCH_GAP_BOUND_MILLIS = 1_000;

    @TempDir Path dir;

    @BeforeAll
    static void labAvailable() {
        Prerequisites.natLab();
    }

    /**
     * 500 datagrams of 1,000 bytes, 10 ms apart (100 a second, a busy game server's rate), through the tunnel; returns
     * the sender's verdict. Paced, not blasted: on a loaded machine a blast overflows the freshly started processes'
     * socket buffers (the kernel's RcvbufErrors), which measures the machine; bench/udp.sh measures rates.
     */
    Verdict fiveHundredEchoes(LabTunnel tunnel) throws Exception {
        Path log = dir.resolve("ping.log");
        Process ping = tunnel.pingInBackground(log, 500, 1_000, 10, dir.resolve("never"));
        await().atMost(Duration.ofSeconds(20)).until(() -> !ping.isAlive());
        return Verdict.of(LabTunnel.verdict(log));
    }

    @Test
    @Timeout(120)
    void datagramsCrossAConeAndASymmetricNatOnADirectPath() throws Exception {
        try (LabTunnel tunnel = LabTunnel.startUdp(dir, "port-restricted", "symmetric", lab -> { })) {
            await().atMost(Duration.ofSeconds(10)).until(() -> tunnel.path().equals("direct"));
            Verdict verdict = fiveHundredEchoes(tunnel);
            System.out.println("udp lab, port-restricted x symmetric, direct: " + verdict);
            assertTrue(verdict.intact() >= 495, () -> verdict + "\n" + logs(tunnel));
            assertEquals("direct", tunnel.path(), () -> logs(tunnel));
        }
    }

    @Test
    @Timeout(120)
    void datagramsBetweenTwoSymmetricNatsStayOnTheRelayAndArrive() throws Exception {
        try (LabTunnel tunnel = LabTunnel.startUdp(dir, "symmetric", "symmetric", lab -> { })) {
            await().atMost(Duration.ofSeconds(10)).until(() -> tunnel.path().equals("relay"));
            Verdict verdict = fiveHundredEchoes(tunnel);
            System.out.println("udp lab, symmetric x symmetric, relay: " + verdict);
            assertTrue(verdict.intact() >= 495, () -> verdict + "\n" + logs(tunnel));
            assertEquals(List.of("relay"), tunnel.pathHistory(), () -> logs(tunnel));
        }
    }

    @Test
    @Timeout(120)
    void aFlowKeepsGettingRepliesWithoutAStallWhileItsSessionMovesFromTheRelayToADirectPath() throws Exception {
        // UDP is blocked at B's NAT when the session starts: the first punch round fails and the session is relayed.
        try (LabTunnel tunnel = LabTunnel.startUdp(dir, "port-restricted", "port-restricted", lab -> lab.udp("nat-b", false))) {
            Path log = dir.resolve("ping.log");
            Path stop = dir.resolve("stop");
            // At most 30 s of datagrams every 20 ms (a game's tick); stopped early once the path has been direct a while.
            Process ping = tunnel.pingInBackground(log, 1_500, 200, 20, stop);
            await().atMost(Duration.ofSeconds(15)).until(() -> LabTunnel.read(log).contains("reply 50\n"));
            assertEquals(List.of("relay"), tunnel.pathHistory(), () -> logs(tunnel));
            tunnel.lab.udp("nat-b", true);
            await().atMost(Duration.ofSeconds(25)).until(() -> tunnel.path().equals("direct"));
            int atSwitch = replies(log);
            // 50 more replies (a second) after the switch: the flow goes on over the direct path.
            await().atMost(Duration.ofSeconds(10)).until(() -> replies(log) >= atSwitch + 50);
            Files.createFile(stop);
            await().atMost(Duration.ofSeconds(10)).until(() -> !ping.isAlive());
            Verdict verdict = Verdict.of(LabTunnel.verdict(log));
            System.out.println("udp lab, relay -> direct under a 20 ms flow: " + verdict);
            assertEquals(List.of("relay", "direct"), tunnel.pathHistory(), () -> logs(tunnel));
            assertTrue(verdict.maxGapMillis() <= SWITCH_GAP_BOUND_MILLIS, () -> "the flow stood still for "
                    + verdict.maxGapMillis() + " ms (bound " + SWITCH_GAP_BOUND_MILLIS + ")\n" + logs(tunnel));
            assertTrue(verdict.intact() >= verdict.sent() * 98 / 100, () -> verdict + "\n" + logs(tunnel));
        }
    }

    /** Replies the sender has counted so far, by its last complete {@code reply N} line. */
    static int replies(Path log) throws Exception {
        String text = LabTunnel.read(log);
        Matcher m = Pattern.compile("reply (\\d+)\n").matcher(text);
        int replies = 0;
        while (m.find()) {
            replies = Integer.parseInt(m.group(1));
        }
        return replies;
    }

    /**
     * Both logs, both sides' {@code peer status} and the sites' kernel UDP counters: together they say where datagrams
     * were lost (in the tunnel, or in a socket buffer: RcvbufErrors).
     */
    static String logs(LabTunnel tunnel) {
        try {
            return NatLabPunchTest.logsOf(tunnel) + "--- status of the connector\n"
                    + OptionsTest.peer("status", "--home", tunnel.dir.resolve("b").toString()).out()
                    + "--- status of the exposer\n" + OptionsTest.peer("status", "--home", tunnel.dir.resolve("a").toString()).out()
                    + "--- site-b " + tunnel.lab.exec("site-b", 5, "grep", "^Udp:", "/proc/net/snmp").output()
                    + "--- site-a " + tunnel.lab.exec("site-a", 5, "grep", "^Udp:", "/proc/net/snmp").output();
        } catch (Exception e) {
            return e.toString();
        }
    }
}
