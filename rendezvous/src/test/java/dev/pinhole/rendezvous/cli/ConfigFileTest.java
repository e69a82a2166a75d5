package dev.pinhole.rendezvous.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** The rendezvous' --config file: every flag is a key, checked as strictly as the flag, and flags win. */
class ConfigFileTest {
    @TempDir Path dir;

    /** A value each flag accepts that differs from its default, with the flags it needs beside it. */
    static final Map<String, List<String>> SAMPLES = Map.ofEntries(
            Map.entry("--data-dir", List.of("--data-dir", "/srv/pinhole")),
            Map.entry("--bind", List.of("--bind", "127.0.0.2")),
            Map.entry("--port", List.of("--port", "7443")),
            Map.entry("--public-host", List.of("--public-host", "rv.example.org")),
            Map.entry("--stun-port", List.of("--stun-port", "3490")),
            Map.entry("--no-stun", List.of("--no-stun")),
            Map.entry("--dashboard", List.of("--dashboard", "127.0.0.1:7181")),
            Map.entry("--no-dashboard", List.of("--no-dashboard")),
            Map.entry("--allow-ports", List.of("--allow-ports", "20000-20010")),
            Map.entry("--allow-udp-ports", List.of("--allow-udp-ports", "30000-30010")),
            Map.entry("--domain", List.of("--domain", "tunnels.example.org")),
            Map.entry("--http-port", List.of("--domain", "tunnels.example.org", "--http-port", "8080")),
            Map.entry("--https-port", List.of("--domain", "tunnels.example.org", "--https-port", "off")),
            Map.entry("--alt-address", List.of("--bind", "127.0.0.1", "--alt-address", "127.0.0.2")),
            Map.entry("--alt-port", List.of("--alt-port", "3500")),
            Map.entry("--log-level", List.of("--log-level", "debug")),
            Map.entry("--log-format", List.of("--log-format", "json")));

    /** What a command line amounts to: the server's settings and how it logs. */
    static List<Object> effective(String... args) throws IOException {
        RendezvousCli cli = new RendezvousCli();
        new CommandLine(cli).parseArgs(args);
        return List.of(cli.settings(), cli.logging());
    }

    /** The TOML that says what {@code args} say, one key per flag. */
    static String toml(List<String> args) {
        var spec = new CommandLine(new RendezvousCli()).getCommandSpec();
        StringBuilder top = new StringBuilder();
        StringBuilder limits = new StringBuilder("[limits]\n");
        for (int i = 0; i < args.size(); i++) {
            OptionSpec option = spec.findOption(args.get(i));
            boolean inLimits = spec.mixins().get(ConfigFile.LIMITS).findOption(option.longestName()) != null;
            String value;
            if (option.arity().max() == 0) {
                value = "true";
            } else {
                String given = args.get(++i);
                Class<?> type = option.type();
                value = type == Integer.class || type == Double.class ? given : "\"" + given + "\"";
            }
            (inLimits ? limits : top).append(ConfigFile.key(option)).append(" = ").append(value).append('\n');
        }
        return top + "\n" + limits;
    }

    @Test
    void everyFlagOfTheCommandHasAKeyThatDoesWhatTheFlagDoes() throws Exception {
        var spec = new CommandLine(new RendezvousCli()).getCommandSpec();
        List<String> checked = new ArrayList<>();
        List<Object> defaults = effective();
        for (OptionSpec option : spec.options()) {
            String flag = option.longestName();
            if (List.of("--config", "--help", "--version").contains(flag)) {
                continue;
            }
            List<String> args = SAMPLES.get(flag);
            if (args == null && (option.type() == Integer.class || option.type() == Double.class)) {
                args = List.of(flag, option.type() == Integer.class ? "3" : "2.5"); // the limits
            }
            assertNotNull(args, "no sample value for " + flag + ": add one to SAMPLES so its config key is tested");
            Path file = dir.resolve(option.longestName().substring(2) + ".toml");
            Files.writeString(file, toml(args));
            List<Object> byFlag = effective(args.toArray(String[]::new));
            assertNotEquals(defaults, byFlag, flag + " changes nothing: pick another sample");
            assertEquals(byFlag, effective("--config", file.toString()), flag + " as " + Files.readString(file));
            checked.add(flag);
        }
        assertEquals(ConfigFile.keys(spec).size(), checked.size());
        assertTrue(checked.size() >= 29, "the rendezvous has about 30 flags: " + checked);
    }

    record Run(int exit, String out, String err) {}

    Run server(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = RendezvousCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return new Run(cli.execute(args), out.toString(), err.toString());
    }

    /** Runs the server on a config file holding {@code toml} and expects it to refuse to start with {@code error}. */
    void refused(String toml, String error) throws IOException {
        Path file = dir.resolve("rendezvous.toml");
        Files.writeString(file, "data_dir = \"" + dir.resolve("data") + "\"\n" + toml);
        Run run = server("--config", file.toString(), "--port", "0", "--bind", "127.0.0.1");
        assertEquals(2, run.exit(), run.out());
        assertEquals("rendezvous: error: --config " + file + error + "\n", run.err());
        assertEquals("", run.out(), "nothing started");
        assertTrue(Files.notExists(dir.resolve("data")), "nothing written");
    }

    @Test
    void aWrongKeyTypeOrValueIsAnErrorNamingFileLineAndKeyAndNothingStarts() throws Exception {
        refused("domain_name = \"tunnels.example.org\"\n", ":2: unknown key 'domain_name' (expected one of: allow_ports,"
                + " allow_udp_ports, alt_address, alt_port, bind, dashboard, data_dir, domain, http_port, https_port, limits.candidates_rate,"
                + " limits.login_timeout, limits.max_connections, limits.max_connections_per_source,"
                + " limits.max_names_per_peer, limits.max_ports_per_peer, limits.max_services_per_peer,"
                + " limits.max_sessions_per_exposer, limits.max_sessions_per_peer, limits.max_web_connections,"
                + " limits.max_web_connections_per_source, limits.open_burst, limits.open_rate,"
                + " limits.tcp_idle_timeout, limits.tls_timeout, log_format, log_level, no_dashboard, no_stun, port,"
                + " public_host, stun_port)");
        refused("port = \"7000\"\n", ":2: port: \"7000\" is a string (expected: a whole number)");
        refused("port = 7000.5\n", ":2: port: 7000.5 is a number (expected: a whole number)");
        refused("\n[limits]\nmax_sessions_per_peer = 0\n", ":4: limits.max_sessions_per_peer: sessions per peer: 0"
                + " (expected: 1 or more)");
        refused("domain = \"under_score.example\"\n", ":2: domain: --domain under_score.example (expected: a DNS name"
                + " such as tunnels.example.org)");
        refused("http_port = 8080\n", ":2: http_port: --http-port and --https-port need --domain (services are NAME.DOMAIN)");
        refused("log_level = \"verbose\"\n", ":2: log_level: --log-level verbose (expected: error, warn, info, debug)");
        refused("no_dashboard = \"yes\"\n", ":2: no_dashboard: \"yes\" is a string (expected: true or false)");
        refused("limits = 3\n", ":2: limits: 3 is a number (expected: a table, [limits])");
        refused("port = \n", ":2: Newline not permitted here at 'port =' (expected: TOML, key = value lines)");
        refused("port = 7000\nport = 7001\n", ":3: Duplicate key at 'port = 7001' (expected: TOML, key = value lines)");
    }

    @Test
    void aFlagOnTheCommandLineWinsOverItsKey() throws Exception {
        Path file = dir.resolve("rendezvous.toml");
        Files.writeString(file, "public_host = \"rv.example.org\"\nport = 7443\nno_stun = true\n\n[limits]\n"
                + "max_sessions_per_peer = 9\nmax_connections = 500\n");
        var settings = RendezvousCli.settingsOf("--config", file.toString(), "--port", "7000", "--max-sessions-per-peer", "12");
        assertEquals("rv.example.org", settings.publicHost());
        assertEquals(7000, settings.port());
        assertEquals(null, settings.stun());
        assertEquals(12, settings.limits().sessionsPerPeer());
        assertEquals(500, settings.limits().connections());
    }

    @Test
    void aJsonFileTakesTheSameKeys() throws Exception {
        Path file = dir.resolve("rendezvous.json");
        Files.writeString(file, "{\"public_host\": \"rv.example.org\",\n \"limits\": {\"open_rate\": 2.5}}\n");
        var settings = RendezvousCli.settingsOf("--config", file.toString());
        assertEquals("rv.example.org", settings.publicHost());
        assertEquals(2.5, settings.limits().openRate());
        Files.writeString(file, "{\"publicHost\": \"rv.example.org\"}");
        Run old = server("--config", file.toString(), "token", "list");
        assertEquals(2, old.exit());
        assertTrue(old.err().startsWith("rendezvous: error: --config " + file + ":1: unknown key 'publicHost' (expected one of: "),
                old.err());
    }

    @Test
    void theExampleInTheDocsIsAValidConfig() throws Exception {
        String docs = Files.readString(Path.of("..", "docs", "operations.md"));
        int start = docs.indexOf("```toml\n# rendezvous.toml");
        assertTrue(start >= 0, "docs/operations.md has the example file");
        String example = docs.substring(docs.indexOf('\n', start) + 1, docs.indexOf("```", start + 7));
        Path file = dir.resolve("rendezvous.toml");
        Files.writeString(file, example);
        var settings = RendezvousCli.settingsOf("--config", file.toString());
        assertEquals("rv.example.org", settings.publicHost());
        var keys = ConfigFile.keys(new CommandLine(new RendezvousCli()).getCommandSpec()).keySet();
        for (String key : keys) {
            String name = key.substring(key.indexOf('.') + 1);
            assertTrue(example.contains("\n" + name + " =") || example.contains("\n# " + name + " ="),
                    "the example shows " + key);
        }
    }
}
