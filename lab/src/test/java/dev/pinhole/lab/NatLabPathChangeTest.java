package dev.pinhole.lab;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Path changes under a live transfer, across real NATs (port-restricted on both sides): relay first
 * then direct, direct broken and restored, loss on the uplinks, and NAT mappings that expire fast.
 */
class NatLabPathChangeTest {
    static final long MB = 1024 * 1024;

    @TempDir Path dir;

    @BeforeAll
    static void labAvailable() {
        Prerequisites.natLab();
    }

    @Test
    @Timeout(180)
    void aTransferThatStartsOnTheRelayFinishesDirectWithNoByteLost() throws Exception {
        // UDP is blocked at B's NAT when the session starts: the first punch round fails.
        try (LabTunnel tunnel = LabTunnel.start(dir, "port-restricted", "port-restricted", lab -> lab.udp("nat-b", false))) {
            Path log = dir.resolve("fetch.log");
            // 60 s at 5 MB/s: longer than the punch retry's worst case (5 s doubling, docs/direct-paths.md) plus
            // the bytes QUIC's windows hold (16 MiB), so the transfer spans the change on any machine that keeps pace.
            long size = 300 * MB;
            Process fetch = tunnel.fetchInBackground(log, size, 5 * MB);
            // The transfer moves while the session is on the relay.
            await().atMost(Duration.ofSeconds(20)).until(() -> LabTunnel.received(log) >= MB);
            assertEquals(List.of("relay"), tunnel.pathHistory());
            tunnel.lab.udp("nat-b", true);
            await().atMost(Duration.ofSeconds(30)).until(() -> tunnel.path().equals("direct"));
            long atSwitch = LabTunnel.received(log);
            // At least 40 MB (more than QUIC's windows and socket buffers hold) are read after the switch: the rest of
            // the transfer came over the direct path.
            assertTrue(atSwitch < size - 40 * MB, () -> "only " + (size - atSwitch) / MB + " MB were left to read when the"
                    + " path went direct\n" + logs(tunnel));
            await().atMost(Duration.ofSeconds(90)).until(() -> !fetch.isAlive());
            String verdict = LabTunnel.verdict(log);
            assertTrue(verdict.startsWith("ok " + size), () -> verdict + "\n" + logs(tunnel));
            assertEquals(List.of("relay", "direct"), tunnel.pathHistory());
        }
    }

    @Test
    @Timeout(150)
    void aBrokenDirectPathFallsBackToTheRelayAndComesBackWithNoByteLost() throws Exception {
        try (LabTunnel tunnel = LabTunnel.start(dir, "port-restricted", "port-restricted")) {
            await().atMost(Duration.ofSeconds(8)).until(() -> tunnel.path().equals("direct"));
            Path log = dir.resolve("fetch.log");
            Process fetch = tunnel.fetchInBackground(log, 200 * MB, 8 * MB);
            // The transfer moves on the direct path before it breaks.
            await().atMost(Duration.ofSeconds(10)).until(() -> LabTunnel.received(log) >= MB);
            tunnel.lab.udp("nat-b", false);
            await().atMost(Duration.ofSeconds(25)).until(() -> tunnel.path().equals("relay"));
            tunnel.lab.udp("nat-b", true);
            await().atMost(Duration.ofSeconds(40)).until(() -> tunnel.path().equals("direct"));
            await().atMost(Duration.ofSeconds(90)).until(() -> !fetch.isAlive());
            String verdict = LabTunnel.verdict(log);
            assertTrue(verdict.startsWith("ok " + 200 * MB), () -> verdict + "\n" + logs(tunnel));
            List<String> history = tunnel.pathHistory();
            assertEquals(List.of("direct", "relay", "direct"), history.subList(history.size() - 3, history.size()));
            // A busy path is judged in ~4 s, not 15 (DirectWatch.WATCH_MILLIS), the other side follows at once (its
            // report), and QUIC's own backoff adds up to about as much again: 4-9 s here, 20 s before.
            double stall = Double.parseDouble(verdict.substring(verdict.indexOf("stall ") + 6));
            assertTrue(stall < 15, () -> "the transfer stood still for " + stall + " s\n" + logs(tunnel));
        }
    }

    @Test
    void onePercentLossOnEachUplinkStillDeliversIntact() throws Exception {
        try (LabTunnel tunnel = LabTunnel.start(dir, "port-restricted", "port-restricted", lab -> { }, "--loss", "1")) {
            try {
                await().atMost(Duration.ofSeconds(8)).until(() -> tunnel.path().equals("direct"));
            } catch (ConditionTimeoutException e) {
                throw new AssertionError("no direct path within 8 s\n" + logs(tunnel), e);
            }
            String verdict = tunnel.fetch(20 * MB, 0, 60);
            assertTrue(verdict.startsWith("ok " + 20 * MB), () -> verdict + "\n" + logs(tunnel));
            assertEquals("direct", tunnel.path());
        }
    }

    @Test
    @Timeout(120)
    void anIdleSessionSurvivesTenSecondNatMappingsAndCarriesANewStream() throws Exception {
        try (LabTunnel tunnel = LabTunnel.start(dir, "port-restricted", "port-restricted", lab -> { }, "--udp-timeout", "10")) {
            await().atMost(Duration.ofSeconds(8)).until(() -> tunnel.path().equals("direct"));
            assertTrue(tunnel.fetch(MB, 0, 30).startsWith("ok "));
            // 25 s idle, 2.5 mapping lifetimes: keepalives must hold the mappings open, or the path would die.
            await().during(Duration.ofSeconds(25)).atMost(Duration.ofSeconds(30)).until(() -> tunnel.path().equals("direct"));
            String verdict = tunnel.fetch(5 * MB, 0, 30);
            assertTrue(verdict.startsWith("ok " + 5 * MB), () -> verdict + "\n" + logs(tunnel));
            assertEquals(List.of("direct"), tunnel.pathHistory().subList(tunnel.pathHistory().size() - 1, tunnel.pathHistory().size()));
            assertEquals(1, tunnel.pathHistory().stream().filter("direct"::equals).count(), "the direct path never broke");
        }
    }

    static String logs(LabTunnel tunnel) {
        return NatLabPunchTest.logsOf(tunnel);
    }
}
