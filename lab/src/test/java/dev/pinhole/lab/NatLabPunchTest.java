package dev.pinhole.lab;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The direct-path matrix (docs/direct-paths.md, docs/lab.md): expose in site A, connect from site B, for all
 * 21 unordered pairs of NAT types; a 20 MB transfer arrives intact, and the session ends up direct wherever
 * at least one side has endpoint-independent mapping, and stays on the relay for symmetric/CGNAT against
 * symmetric/CGNAT.
 */
class NatLabPunchTest {
    static final long TRANSFER = 20L * 1024 * 1024;

    @TempDir Path dir;

    @BeforeAll
    static void labAvailable() {
        Prerequisites.natLab();
    }

    @ParameterizedTest(name = "{0} exposes, {1} connects: {2}")
    @CsvSource({
        "none, none, direct", "none, full-cone, direct", "none, restricted-cone, direct",
        "none, port-restricted, direct", "none, symmetric, direct", "none, cgnat, direct",
        "full-cone, full-cone, direct", "full-cone, restricted-cone, direct", "full-cone, port-restricted, direct",
        "full-cone, symmetric, direct", "full-cone, cgnat, direct",
        "restricted-cone, restricted-cone, direct", "restricted-cone, port-restricted, direct",
        "restricted-cone, symmetric, direct", "restricted-cone, cgnat, direct",
        "port-restricted, port-restricted, direct", "port-restricted, symmetric, direct", "port-restricted, cgnat, direct",
        "symmetric, symmetric, relay", "symmetric, cgnat, relay", "cgnat, cgnat, relay"})
    void twentyMegabytesArriveIntactOnTheExpectedPath(String exposer, String connector, String expected) throws Exception {
        try (LabTunnel tunnel = LabTunnel.start(dir, exposer, connector)) {
            if (expected.equals("direct")) {
                await().atMost(Duration.ofSeconds(8)).until(() -> tunnel.firstDirect().isPresent());
            }
            String verdict = tunnel.fetch(TRANSFER, 0, 60);
            assertTrue(verdict.startsWith("ok " + TRANSFER), () -> "transfer: " + verdict + "\n" + logsOf(tunnel));
            assertEquals(expected, tunnel.path(), () -> logsOf(tunnel));
        }
    }

    static String logsOf(LabTunnel tunnel) {
        try {
            return tunnel.logs();
        } catch (Exception e) {
            return e.toString();
        }
    }
}
