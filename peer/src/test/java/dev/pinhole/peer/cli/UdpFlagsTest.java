package dev.pinhole.peer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The UDP flags refused as a user types them, before anything starts (docs/udp.md). */
class UdpFlagsTest {
    @TempDir Path home;

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "connect web --udp-idle-timeout 5 | --udp-idle-timeout applies to UDP flows: add --udp",
            "connect web --udp --udp-idle-timeout 0 | --udp-idle-timeout 0 (expected: 1..86400 seconds)",
            "expose 19132 --name game --udp --udp-idle-timeout 86401 | --udp-idle-timeout 86401 (expected: 1..86400 seconds)",
            "expose 19132 --name game --udp --http | --http publishes TCP, and --udp alone carries UDP only: add --tcp to"
                    + " carry both",
            "expose 19132 --name game --udp --tcp-port auto | --tcp-port publishes TCP, and --udp alone carries UDP only:"
                    + " add --tcp to carry both",
    })
    void badUdpFlagsAreUsageErrorsNamingTheFlag(String line, String error) {
        String[] typed = (line + " --home " + home).split(" ");
        TunnelsFileTest.Run run = TunnelsFileTest.peer(typed);
        assertEquals(2, run.exit(), run.err());
        assertEquals("peer: error: " + error + "\n", run.err());
    }
}
