package dev.pinhole.lab;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A third party checks the lab: for each NAT behaviour the lab builds, coturn's RFC 5780 discovery
 * client, run in site A against coturn on the server's two addresses, reports that behaviour. Then the
 * same client against the rendezvous' own STUN service must give the same verdicts (interop).
 */
class NatLabCoturnTest {
    @TempDir Path dir;

    @BeforeAll
    static void labAvailable() throws Exception {
        var missing = NatLab.unavailable();
        assumeTrue(missing.isEmpty(), () -> "SKIPPED: " + missing.orElse(""));
        assumeTrue(NatLab.hasCommand("turnserver") && NatLab.hasCommand("turnutils_natdiscovery"),
                "SKIPPED: needs coturn (apt-get install -y coturn)");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "none,            No NAT!,                                        Endpoint Independent Filtering",
        "full-cone,       NAT with Endpoint Independent Mapping,          NAT with Endpoint Independent Filtering",
        "restricted-cone, NAT with Endpoint Independent Mapping,          NAT with Address Dependent Filtering",
        "port-restricted, NAT with Endpoint Independent Mapping,          NAT with Address and Port Dependent Filtering",
        "symmetric,       NAT with Address and Port Dependent Mapping,    NAT with Address and Port Dependent Filtering",
        "cgnat,           NAT with Address and Port Dependent Mapping,    NAT with Address and Port Dependent Filtering"})
    void coturnSeesTheBehaviourTheLabBuilt(String type, String mapping, String filtering) throws Exception {
        Path config = dir.resolve("turnserver.conf");
        // Debian's /etc/turnserver.conf sets no-rfc5780; this one enables it on both server addresses.
        Files.writeString(config, String.join("\n",
                "listening-ip=203.0.113.10", "listening-ip=203.0.113.11", "listening-port=3478",
                "alt-listening-port=3479", "stun-only", "no-tls", "no-dtls", "no-cli", "log-file=stdout", "simple-log", ""));
        try (NatLab lab = NatLab.up(type, "none")) {
            lab.start("server", dir.resolve("turnserver.log"), "turnserver", "-c", config.toString());
            String report = "";
            // The server needs a moment to bind: repeat while the mapping tests (first part) went unanswered.
            for (int attempt = 0; attempt < 5 && !mappingAnswered(report); attempt++) {
                report = lab.exec("site-a", 30, "turnutils_natdiscovery", "-m", "-f", "-L", lab.addr("site-a"), "203.0.113.10").output();
            }
            String shown = report;
            assertTrue(report.contains(mapping), () -> type + ": expected '" + mapping + "' in\n" + shown);
            assertTrue(report.contains(filtering), () -> type + ": expected '" + filtering + "' in\n" + shown);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "none,            No NAT!,                                        Endpoint Independent Filtering",
        "full-cone,       NAT with Endpoint Independent Mapping,          NAT with Endpoint Independent Filtering",
        "restricted-cone, NAT with Endpoint Independent Mapping,          NAT with Address Dependent Filtering",
        "port-restricted, NAT with Endpoint Independent Mapping,          NAT with Address and Port Dependent Filtering",
        "symmetric,       NAT with Address and Port Dependent Mapping,    NAT with Address and Port Dependent Filtering",
        "cgnat,           NAT with Address and Port Dependent Mapping,    NAT with Address and Port Dependent Filtering"})
    void coturnsClientGetsTheSameVerdictsFromTheRendezvous(String type, String mapping, String filtering) throws Exception {
        try (NatLab lab = NatLab.up(type, "none")) {
            lab.start("server", dir.resolve("rendezvous.log"),
                    java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), "dev.pinhole.rendezvous.RendezvousCli",
                    "--data-dir", dir.resolve("rv").toString(), "--bind", "203.0.113.10", "--alt-address", "203.0.113.11");
            String report = "";
            for (int attempt = 0; attempt < 10 && !mappingAnswered(report); attempt++) {
                report = lab.exec("site-a", 30, "turnutils_natdiscovery", "-m", "-f", "-L", lab.addr("site-a"), "203.0.113.10").output();
            }
            String shown = report;
            assertTrue(report.contains(mapping), () -> type + ": expected '" + mapping + "' in\n" + shown);
            assertTrue(report.contains(filtering), () -> type + ": expected '" + filtering + "' in\n" + shown);
            assertTrue(report.contains("Other addr: : 203.0.113.11:3479"), () -> "OTHER-ADDRESS (RFC 5780) missing:\n" + shown);
        }
    }

    static boolean mappingAnswered(String report) {
        int filtering = report.indexOf("Filtering Behavior");
        return filtering >= 0 && !report.substring(0, filtering).contains("STUN receive timeout");
    }
}
