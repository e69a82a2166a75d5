package dev.pinhole.lab;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Where IPv4 punching cannot work (two symmetric NATs, two carrier NATs), IPv6 usually can: the sites also
 * have IPv6 behind home routers that firewall (RFC 6092) rather than translate, and the session goes direct
 * over it. Needs root, like the rest of the lab.
 */
class NatLabIpv6Test {
    static final long MB = 1024 * 1024;

    @TempDir Path dir;

    @BeforeAll
    static void labAvailable() {
        Prerequisites.natLab();
    }

    @ParameterizedTest(name = "{0} x {1} with IPv6")
    @CsvSource({"symmetric, symmetric", "cgnat, cgnat"})
    @Timeout(120)
    void peersThatCannotPunchOverIPv4GoDirectOverIPv6(String a, String b) throws Exception {
        try (LabTunnel tunnel = LabTunnel.start(dir, a, b, "--ipv6")) {
            try {
                await().atMost(Duration.ofSeconds(20)).until(() -> tunnel.path().equals("direct"));
            } catch (ConditionTimeoutException e) {
                throw new AssertionError("no direct path within 20 s\n" + NatLabPunchTest.logsOf(tunnel), e);
            }
            var paths = tunnel.events(tunnel.connectLog, "path");
            String remote = paths.get(paths.size() - 1).path("remote").asText();
            assertTrue(remote.startsWith("2001:db8:1:"), "the exposer's IPv6 address: " + remote);
            String verdict = tunnel.fetch(20 * MB, 0, 60);
            assertTrue(verdict.startsWith("ok " + 20 * MB), verdict);
            assertEquals("direct", tunnel.path(), "still direct after the transfer\n" + NatLabPunchTest.logsOf(tunnel));
        }
    }
}
