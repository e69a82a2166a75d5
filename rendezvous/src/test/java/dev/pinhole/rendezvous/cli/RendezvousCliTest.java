package dev.pinhole.rendezvous.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.rendezvous.DataDir;
import dev.pinhole.rendezvous.RendezvousConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class RendezvousCliTest {
    @TempDir Path dir;

    record Run(int exit, String out, String err) {}

    Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = RendezvousCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void tokensAreCreatedListedAndRevoked() {
        String data = dir.toString();
        Run created = run("--data-dir", data, "--public-host", "203.0.113.7", "token", "create", "--label", "laptop");
        assertEquals(0, created.exit(), created.err());
        assertTrue(created.out().contains("pinhole://pht_"), created.out());
        assertTrue(created.out().contains("@203.0.113.7:7000?fp=sha256:"), created.out());
        String id = created.out().split(" ")[1];

        Run listed = run("--data-dir", data, "token", "list");
        assertTrue(listed.out().contains(id + " ") && listed.out().contains("active") && listed.out().contains("laptop"), listed.out());
        assertTrue(!listed.out().contains("pht_"), "list never shows secrets");

        assertEquals(0, run("--data-dir", data, "token", "revoke", id).exit());
        assertTrue(run("--data-dir", data, "token", "list").out().contains("revoked"));
        Run again = run("--data-dir", data, "token", "revoke", id);
        assertEquals(1, again.exit());
        assertTrue(again.err().contains("no active token with id " + id));
    }

    @Test
    void aConfigKeyTheRendezvousDoesNotKnowIsAnErrorNamingIt() throws Exception {
        Path config = dir.resolve("rendezvous.toml");
        Files.writeString(config, "data_dir = \"" + dir.resolve("data") + "\"\ndomain_name = \"tunnels.example.org\"\n");
        Run run = run("--config", config.toString(), "token", "list");
        assertEquals(2, run.exit(), run.out());
        assertTrue(run.err().startsWith("rendezvous: error: --config " + config + ":2: unknown key 'domain_name' (expected one of:"
                + " allow_ports, allow_udp_ports, alt_address,"), run.err());
        Files.writeString(config, "port = \"seven\"");
        Run malformed = run("--config", config.toString(), "token", "list");
        assertEquals(2, malformed.exit(), malformed.out());
        assertEquals("rendezvous: error: --config " + config + ":1: port: \"seven\" is a string (expected: a whole number)\n",
                malformed.err());
    }

    @Test
    void tokenCreateUsesThePublicHostAndPortOfTheConfigOverTheServersOwnJoinCode() throws Exception {
        Path data = dir.resolve("data");
        DataDir dataDir = new DataDir(data, Clock.systemUTC());
        dataDir.joinCode("198.51.100.1", 7443, dataDir.identity().certificateFingerprint());
        Path config = dir.resolve("rendezvous.toml");
        Files.writeString(config, "data_dir = \"" + data + "\"\npublic_host = \"rv.example.org\"\n");
        Run fromConfig = run("--config", config.toString(), "token", "create");
        assertEquals(0, fromConfig.exit(), fromConfig.err());
        assertTrue(fromConfig.out().contains("@rv.example.org:7443?fp="), fromConfig.out());
        Run fromOption = run("--data-dir", data.toString(), "--port", "7000", "token", "create");
        assertTrue(fromOption.out().contains("@198.51.100.1:7000?fp="), fromOption.out());
        Run fromJoinCode = run("--data-dir", data.toString(), "token", "create");
        assertTrue(fromJoinCode.out().contains("@198.51.100.1:7443?fp="), fromJoinCode.out());
    }

    @Test
    void optionsThatTheirOffSwitchWouldIgnoreAreUsageErrors() {
        String data = dir.toString();
        Run stun = run("--data-dir", data, "--no-stun", "--stun-port", "3479", "token", "list");
        assertEquals(2, stun.exit());
        assertTrue(stun.err().contains("--stun-port, --alt-address and --alt-port configure STUN, which --no-stun turns off"),
                stun.err());
        Run dashboard = run("--data-dir", data, "--no-dashboard", "--dashboard", "127.0.0.1:7081", "token", "list");
        assertEquals(2, dashboard.exit());
        assertTrue(dashboard.err().contains("--dashboard 127.0.0.1:7081 with --no-dashboard"), dashboard.err());
    }

    RendezvousConfig.Web web(String... args) throws Exception {
        RendezvousCli cli = new RendezvousCli();
        new CommandLine(cli).parseArgs(args);
        return cli.settings().web();
    }

    @Test
    void aDomainTurnsOnHttpAndHttpsIngressOnTheStandardPorts() throws Exception {
        String data = dir.toString();
        assertEquals(null, web("--data-dir", data));
        assertEquals(new RendezvousConfig.Web("tunnels.example.org", 80, 443), web("--data-dir", data, "--domain", "Tunnels.Example.org."));
        assertEquals(new RendezvousConfig.Web("example.org", 8080, null),
                web("--data-dir", data, "--domain", "example.org", "--http-port", "8080", "--https-port", "off"));
        var noDomain = assertThrows(IllegalArgumentException.class,
                () -> web("--data-dir", data, "--http-port", "8080"));
        assertEquals("--http-port and --https-port need --domain (services are NAME.DOMAIN)", noDomain.getMessage());
        var badDomain = assertThrows(IllegalArgumentException.class,
                () -> web("--data-dir", data, "--domain", "under_score.example"));
        assertEquals("--domain under_score.example (expected: a DNS name such as tunnels.example.org)", badDomain.getMessage());
        var badPort = assertThrows(IllegalArgumentException.class,
                () -> web("--data-dir", data, "--domain", "example.org", "--https-port", "70000"));
        assertEquals("--https-port 70000 (expected: a port number or off)", badPort.getMessage());
    }
}
