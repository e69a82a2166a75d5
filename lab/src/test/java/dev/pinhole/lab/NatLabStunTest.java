package dev.pinhole.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * For each NAT behaviour the lab builds, with coturn (ports 3478/3479) and the rendezvous' STUN service
 * (13478/13479) both on the server's two addresses:
 * <ol>
 *   <li>coturn's RFC 5780 client against coturn reports the behaviour (a third party checks the lab);</li>
 *   <li>coturn's client against the rendezvous gives the same verdicts (interop);</li>
 *   <li>Debian's RFC 3489 {@code stun} client gets the same verdict from the rendezvous as from coturn;</li>
 *   <li>{@code diagnostics nat-type} in site A reports it, against the rendezvous and against coturn.</li>
 * </ol>
 */
class NatLabStunTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path dir;

    @BeforeAll
    static void labAvailable() throws Exception {
        Prerequisites.natLab();
        Prerequisites.command("turnserver", "coturn");
        Prerequisites.command("turnutils_natdiscovery", "coturn");
        Prerequisites.command("stun", "stun-client");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "none,            No NAT!,                                     Endpoint Independent Filtering,                none,                       endpoint-independent,       open",
        "full-cone,       NAT with Endpoint Independent Mapping,       NAT with Endpoint Independent Filtering,       endpoint-independent,       endpoint-independent,       full-cone",
        "restricted-cone, NAT with Endpoint Independent Mapping,       NAT with Address Dependent Filtering,          endpoint-independent,       address-dependent,          restricted-cone",
        "port-restricted, NAT with Endpoint Independent Mapping,       NAT with Address and Port Dependent Filtering, endpoint-independent,       address-and-port-dependent, port-restricted-cone",
        "symmetric,       NAT with Address and Port Dependent Mapping, NAT with Address and Port Dependent Filtering, address-and-port-dependent, address-and-port-dependent, symmetric",
        "cgnat,           NAT with Address and Port Dependent Mapping, NAT with Address and Port Dependent Filtering, address-and-port-dependent, address-and-port-dependent, symmetric"})
    void everyoneSeesTheBehaviourTheLabBuilt(String type, String coturnMapping, String coturnFiltering,
                                            String mapping, String filtering, String natType) throws Exception {
        Path config = dir.resolve("turnserver.conf");
        // Debian's /etc/turnserver.conf sets no-rfc5780; this one enables it on both server addresses.
        Files.writeString(config, String.join("\n",
                "listening-ip=203.0.113.10", "listening-ip=203.0.113.11", "listening-port=3478",
                "alt-listening-port=3479", "stun-only", "no-tls", "no-dtls", "no-cli", "log-file=stdout", "simple-log", ""));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("java.class.path");
        try (NatLab lab = NatLab.up(type, "none")) {
            lab.start("server", dir.resolve("turnserver.log"), "turnserver", "-c", config.toString());
            lab.start("server", dir.resolve("rendezvous.log"), java, "-cp", classpath, "dev.pinhole.rendezvous.cli.RendezvousCli",
                    "--data-dir", dir.resolve("rv").toString(), "--bind", "203.0.113.10", "--port", "17000",
                    "--alt-address", "203.0.113.11", "--stun-port", "13478");
            String site = lab.addr("site-a");

            String coturn = discover(lab, site, "203.0.113.10", "3478");
            assertTrue(coturn.contains(coturnMapping) && coturn.contains(coturnFiltering),
                    () -> type + ", coturn against coturn: expected '" + coturnMapping + "' and '" + coturnFiltering + "' in\n" + coturn);

            String ours = discover(lab, site, "203.0.113.10", "13478");
            assertTrue(ours.contains(coturnMapping) && ours.contains(coturnFiltering),
                    () -> type + ", coturn against the rendezvous: expected '" + coturnMapping + "' and '" + coturnFiltering + "' in\n" + ours);
            assertTrue(ours.contains("Other addr: : 203.0.113.11:13479"), () -> "OTHER-ADDRESS (RFC 5780) missing:\n" + ours);

            String classicCoturn = classic(lab, "203.0.113.10");
            String classicOurs = classic(lab, "203.0.113.10:13478");
            assertTrue(classicCoturn.startsWith("Primary:"), () -> type + ", stun against coturn: " + classicCoturn);
            assertEquals(classicCoturn, classicOurs, type + ": Debian's stun client, coturn vs the rendezvous");

            for (String server : new String[] {"203.0.113.10:13478", "203.0.113.10:3478"}) {
                if (type.endsWith("cone")) {
                    // The clients above left mappings in the cone NAT's map (5 min). Should diagnostics' socket get
                    // a port one of them used towards the alternate address, that address would pass the filter and
                    // restricted-cone would look full-cone (seen once in CI). A fresh map is a NAT that forgot them.
                    lab.exec("nat-a", 10, "nft", "flush", "map", "ip", "pinhole_nat", "cone");
                }
                NatLab.Result run = lab.exec("site-a", 30, java, "-cp", classpath, "dev.pinhole.diagnostics.DiagnosticsCli",
                        "nat-type", "--server", server, "--json");
                String output = run.output();
                JsonNode report = JSON.readTree(output.substring(output.indexOf('{')));
                String where = type + ", diagnostics against " + server + ": " + output;
                assertEquals(0, run.exit(), where);
                assertTrue(report.path("udp").asBoolean(), where);
                assertEquals(mapping, report.path("mapping").asText(), where);
                assertEquals(filtering, report.path("filtering").asText(), where);
                assertEquals(natType, report.path("nat_type").asText(), where);
                // The carrier NAT shows as a 100.64.x router behind the home NAT (tracepath).
                assertEquals(type.equals("cgnat"), report.path("cgnat_suspected").asBoolean(), where);
                assertEquals(site, report.path("local_address").asText().split(":")[0], where);
            }
        }
    }

    /** The verdict line of Debian's RFC 3489 client ("Primary: Independent Mapping, ..."). */
    private static String classic(NatLab lab, String server) throws Exception {
        String output = lab.exec("site-a", 30, "stun", server).output();
        return output.lines().filter(l -> l.startsWith("Primary:")).map(String::strip).findFirst().orElse(output);
    }

    /** coturn's RFC 5780 client; repeated while the server is still starting (the mapping part unanswered). */
    private static String discover(NatLab lab, String site, String host, String port) throws Exception {
        String report = "";
        for (int attempt = 0; attempt < 10 && !mappingAnswered(report); attempt++) {
            report = lab.exec("site-a", 30, "turnutils_natdiscovery", "-m", "-f", "-L", site, "-p", port, host).output();
        }
        return report;
    }

    static boolean mappingAnswered(String report) {
        int filtering = report.indexOf("Filtering Behavior");
        return filtering >= 0 && !report.substring(0, filtering).contains("STUN receive timeout");
    }
}
