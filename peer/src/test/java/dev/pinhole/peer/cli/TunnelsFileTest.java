package dev.pinhole.peer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.protocol.Fingerprint;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/** {@code peer up}'s file: every flag of expose and connect is a key, checked as strictly as the flag. */
class TunnelsFileTest {
    @TempDir Path dir;

    static final String KEY = Fingerprint.of(new byte[] {1, 2, 3});
    static final Function<String, String> ENV = name -> name.equals("WEB_AUTH") ? "ann:s3cret" : null;

    /** A value each flag takes that differs from its default, with the flags it needs beside it. */
    static final Map<String, List<String>> EXPOSE_SAMPLES = Map.ofEntries(
            Map.entry("PORT", List.of("2222")),
            Map.entry("--name", List.of("--name", "other")),
            Map.entry("--host", List.of("--host", "10.0.0.5")),
            Map.entry("--tcp-port", List.of("--tcp-port", "auto")),
            Map.entry("--http", List.of("--http")),
            Map.entry("--https", List.of("--https")),
            Map.entry("--basic-auth", List.of("--http", "--basic-auth", "ann:s3cret")),
            Map.entry("--host-header", List.of("--http", "--host-header", "rewrite")),
            Map.entry("--allow-ip", List.of("--http", "--allow-ip", "203.0.113.0/24", "--allow-ip", "198.51.100.7/32")),
            Map.entry("--allow-peer", List.of("--allow-peer", KEY, "--allow-peer", "label:family")),
            Map.entry("--relay-only", List.of("--relay-only")),
            Map.entry("--tcp", List.of("--tcp", "--udp")),
            Map.entry("--udp", List.of("--udp")),
            Map.entry("--udp-port", List.of("--udp", "--udp-port", "auto")),
            Map.entry("--udp-idle-timeout", List.of("--udp", "--udp-idle-timeout", "5")));
    static final Map<String, List<String>> CONNECT_SAMPLES = Map.ofEntries(
            Map.entry("NAME", List.of("other")),
            Map.entry("--listen", List.of("--listen", "127.0.0.1:2222")),
            Map.entry("--expect-key", List.of("--expect-key", KEY)),
            Map.entry("--relay-only", List.of("--relay-only")),
            Map.entry("--udp", List.of("--udp")),
            Map.entry("--udp-idle-timeout", List.of("--udp", "--udp-idle-timeout", "5")));

    /** The TOML entry that says what {@code args} (a command line of {@code role}) say, one key per flag. */
    static String entry(String role, List<String> args) {
        Map<String, ArgSpec> keys = TunnelsFile.keys(role);
        StringBuilder toml = new StringBuilder("[[" + role + "]]\n");
        boolean hasName = false;
        boolean hasPort = false;
        Map<String, List<String>> lists = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            String key = keys.entrySet().stream().filter(e -> e.getValue() instanceof OptionSpec o && o.longestName().equals(arg))
                    .map(Map.Entry::getKey).findFirst().orElse(role.equals("expose") ? "port" : "name");
            OptionSpec option = keys.get(key) instanceof OptionSpec o ? o : null;
            hasName |= key.equals("name");
            hasPort |= key.equals("port");
            if (option == null) {
                toml.append(key).append(" = ").append(key.equals("port") ? arg : "\"" + arg + "\"").append('\n');
            } else if (option.arity().max() == 0) {
                toml.append(key).append(" = true\n");
            } else if (key.equals("basic_auth_env")) {
                i++;
                toml.append(key).append(" = \"WEB_AUTH\"\n");
            } else if (List.class.isAssignableFrom(option.type())) {
                lists.computeIfAbsent(key, k -> new ArrayList<>()).add("\"" + args.get(++i) + "\"");
            } else if (option.type() == Integer.class || option.type() == int.class) {
                toml.append(key).append(" = ").append(args.get(++i)).append('\n');
            } else {
                toml.append(key).append(" = \"").append(args.get(++i)).append("\"\n");
            }
        }
        lists.forEach((key, values) -> toml.append(key).append(" = [").append(String.join(", ", values)).append("]\n"));
        if (role.equals("expose") && !hasName) {
            toml.append("name = \"nas\"\n");
        }
        if (role.equals("expose") && !hasPort) {
            toml.append("port = 22\n");
        }
        if (role.equals("connect") && !hasName) {
            toml.append("name = \"nas\"\n");
        }
        return toml.toString();
    }

    /** What a command line of {@code role} asks for, checked as the command checks it. */
    static Object byFlags(String role, List<String> args) {
        List<String> full = new ArrayList<>(args);
        if (role.equals("expose")) {
            if (!full.contains("--name")) {
                full.addAll(List.of("--name", "nas"));
            }
            if (full.stream().noneMatch(a -> a.matches("\\d+") && !isValueOfFlag(full, a))) {
                full.add("22");
            }
            ExposeCommand command = new ExposeCommand();
            new CommandLine(command).parseArgs(full.toArray(String[]::new));
            return command.check(command.basicAuth, "--basic-auth");
        }
        if (full.stream().noneMatch(a -> !a.startsWith("-") && !isValueOfFlag(full, a))) {
            full.add("nas");
        }
        ConnectCommand command = new ConnectCommand();
        new CommandLine(command).parseArgs(full.toArray(String[]::new));
        return command.check();
    }

    private static boolean isValueOfFlag(List<String> args, String value) {
        int i = args.indexOf(value);
        return i > 0 && args.get(i - 1).startsWith("--") && !List.of("--http", "--https", "--relay-only", "--tcp", "--udp").contains(args.get(i - 1));
    }

    Object byFile(String role, String toml) throws Exception {
        Path file = dir.resolve("pinhole.toml");
        Files.writeString(file, toml);
        TunnelsFile.Tunnel tunnel = TunnelsFile.read(file, ENV).tunnels().get(0);
        return role.equals("expose") ? tunnel.expose() : tunnel.connect();
    }

    @Test
    void everyOptionOfExposeAndConnectHasAKeyThatDoesWhatTheFlagDoes() throws Exception {
        CommandLine peer = PeerCli.commandLine();
        int checked = 0;
        for (String role : List.of("expose", "connect")) {
            var spec = peer.getSubcommands().get(role).getCommandSpec();
            Map<String, List<String>> samples = role.equals("expose") ? EXPOSE_SAMPLES : CONNECT_SAMPLES;
            Object defaults = byFlags(role, List.of());
            List<ArgSpec> args = new ArrayList<>(spec.positionalParameters());
            args.addAll(spec.options());
            for (ArgSpec arg : args) {
                String flag = arg instanceof OptionSpec option ? option.longestName() : arg.paramLabel();
                if (TunnelEntry.NOT_KEYS.contains(flag)) {
                    continue;
                }
                List<String> sample = samples.get(flag);
                assertNotNull(sample, role + " " + flag + " has no sample: add one so that its key in peer up's file is tested");
                Object expected = byFlags(role, sample);
                assertNotEquals(defaults, expected, flag + " changes nothing: pick another sample");
                String toml = entry(role, sample);
                assertEquals(expected, byFile(role, toml), role + " " + flag + " as\n" + toml);
                checked++;
            }
        }
        assertEquals(TunnelsFile.keys("expose").size() + TunnelsFile.keys("connect").size(), checked);
        assertEquals(EXPOSE_SAMPLES.size() + CONNECT_SAMPLES.size(), checked, "a sample of a flag that is gone");
    }

    record Run(int exit, String out, String err) {}

    static Run peer(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = PeerCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return new Run(cli.execute(args), out.toString(), err.toString());
    }

    /** {@code peer up} on a file holding {@code toml} refuses to start with {@code error} after the file's name. */
    void refused(String toml, String error) throws Exception {
        Path file = dir.resolve("tunnels.toml");
        Files.writeString(file, toml);
        Path home = dir.resolve("home");
        Run run = peer("up", "--config", file.toString(), "--home", home.toString());
        assertEquals(2, run.exit(), run.err());
        assertEquals("peer: error: " + file + error + "\n", run.err());
        assertEquals("", run.out(), "nothing started");
        assertTrue(Files.notExists(home), "nothing written");
    }

    @Test
    void anUnknownKeyAWrongTypeOrADuplicateIsAnErrorNamingFileLineAndKeyAndNothingStarts() throws Exception {
        String ssh = "[[expose]]\nname = \"nas\"\nport = 22\n";
        refused(ssh + "portt = 23\n", ":4: expose: unknown key 'portt' (expected one of: port, name, host, tcp_port, http,"
                + " https, basic_auth_env, host_header, allow_ip, allow_peer, relay_only, tcp, udp, udp_port, udp_idle_timeout)");
        refused("\n[[expose]]\nname = \"web\"\nport = \"8080\"\n", ":4: expose.port: \"8080\" is a string (expected: a whole number)");
        refused(ssh + "http = \"yes\"\n", ":4: expose.http: \"yes\" is a string (expected: true or false)");
        refused(ssh + "http = true\nallow_ip = \"203.0.113.0/24\"\n", ":5: expose.allow_ip: \"203.0.113.0/24\" is a string"
                + " (expected: a list of strings, like [\"BLOCK\"])");
        refused(ssh + "\n" + ssh, ":6: expose.name: 'nas' is already exposed on line 1 (expected: one [[expose]] per name)");
        refused("[[connect]]\nname = \"a\"\nlisten = 2222\n\n[[connect]]\nname = \"b\"\nlisten = \"127.0.0.1:2222\"\n",
                ":7: connect.listen: 127.0.0.1:2222 is already where the connect on line 1 listens (expected: one listen"
                        + " address per [[connect]])");
        refused("[[connect]]\nname = \"a\"\nlisten = 2222\n[[connect]]\nname = \"a\"\nlisten = 0\n", ":5: connect.name: 'a' is already connected on"
                + " line 1 (expected: one [[connect]] per name, or a listen address with a port of its own for each)");
        refused(ssh + "tcp_port = \"any\"\n", ":4: expose.tcp_port: tcp_port any (expected: a port number or auto)");
        refused(ssh + "allow_ip = [\"203.0.113.0/24\"]\n", ":4: expose.allow_ip: allow_ip limits public ingress: add http,"
                + " https, tcp_port or udp_port");
        refused(ssh + "udp_port = \"auto\"\n", ":4: expose.udp_port: udp_port publishes UDP: add udp (and tcp to carry"
                + " TCP too)");
        refused("[[expose]]\nname = \"a_b\"\nport = 22\n", ":2: expose.name: name 'a_b' is not a DNS label (expected:"
                + " letters, digits and '-', not starting or ending with '-')");
        refused("[[expose]]\nport = 22\n", ":1: expose: missing key 'name' (expected: every [[expose]] has port and name)");
        refused(ssh + "http = true\nbasic_auth_env = \"NO_SUCH_VARIABLE_HERE\"\n", ":5: expose.basic_auth_env:"
                + " $NO_SUCH_VARIABLE_HERE is not set (expected: USER:PASS in the environment of peer up, e.g. the"
                + " Environment= or EnvironmentFile= of its service)");
        refused("log_level = \"loud\"\n", ":1: log_level: --log-level loud (expected: error, warn, info, debug)");
        refused("[[exposes]]\nname = \"a\"\n", ":1: unknown key 'exposes' (expected one of: connect, expose, log_format,"
                + " log_level)");
        refused("[[expose]]\nname = \"a\"\nname = \"b\"\n", ":3: Duplicate key at 'name = \"b\"' (expected: TOML)");
    }

    @Test
    void aTcpAndAUdpConnectOnOneListenAddressAreTwoTunnelsButTwoUdpConnectsThereClash() throws Exception {
        String both = "[[connect]]\nname = \"craft\"\nlisten = \"127.0.0.1:25565\"\n\n"
                + "[[connect]]\nname = \"craft\"\nlisten = \"127.0.0.1:25565\"\nudp = true\n";
        Path file = dir.resolve("pinhole.toml");
        Files.writeString(file, both);
        var tunnels = TunnelsFile.read(file, ENV).tunnels();
        assertEquals(List.of("connect craft on 127.0.0.1:25565", "connect craft udp on 127.0.0.1:25565"),
                tunnels.stream().map(TunnelsFile.Tunnel::id).toList(), "two tunnels, told apart in output and status");
        // Both on the service's own port (no listen key): still a TCP and a UDP socket, no clash.
        Files.writeString(file, "[[connect]]\nname = \"craft\"\n\n[[connect]]\nname = \"craft\"\nudp = true\n");
        assertEquals(List.of("connect craft", "connect craft udp"),
                TunnelsFile.read(file, ENV).tunnels().stream().map(TunnelsFile.Tunnel::id).toList());
        refused(both + "\n[[connect]]\nname = \"other\"\nlisten = \"127.0.0.1:25565\"\nudp = true\n",
                ":12: connect.listen: 127.0.0.1:25565 is already where the connect on line 5 listens (expected: one listen"
                        + " address per [[connect]])");
        refused("[[connect]]\nname = \"craft\"\nudp = true\n\n[[connect]]\nname = \"craft\"\nudp = true\n",
                ":6: connect.name: 'craft' is already connected on line 1 (expected: one [[connect]] per name, or a listen"
                        + " address with a port of its own for each)");
        // One name is one registration: TCP and UDP of one port are one [[expose]] with tcp and udp.
        refused("[[expose]]\nname = \"craft\"\nport = 25565\n\n[[expose]]\nname = \"craft\"\nport = 25565\nudp = true\n",
                ":6: expose.name: 'craft' is already exposed on line 1 (expected: one [[expose]] per name)");
    }

    @Test
    void thePasswordComesFromTheVariableTheFileNamesAndIsCheckedAsTheFlagWouldBe() throws Exception {
        String ssh = "[[expose]]\nname = \"nas\"\nport = 22\n";
        Path file = dir.resolve("pinhole.toml");
        Files.writeString(file, ssh + "https = true\nbasic_auth_env = \"WEB_AUTH\"\n");
        var error = assertThrows(IllegalArgumentException.class, () -> TunnelsFile.read(file, ENV));
        assertEquals(file + ":5: expose.basic_auth_env: basic_auth_env $WEB_AUTH guards HTTP ingress: add http",
                error.getMessage());
        Files.writeString(file, ssh + "http = true\nbasic_auth_env = \"WEB_AUTH\"\n");
        var web = TunnelsFile.read(file, ENV).tunnels().get(0);
        assertEquals("ann:s3cret", web.expose().service().publish().get(0).basicAuth());
        assertTrue(web.args().stream().noneMatch(a -> a.contains("s3cret")), "the password is no flag: " + web.args());
    }

    @Test
    void theSameSettingsInAnotherOrderAreTheSameTunnel() throws Exception {
        Path file = dir.resolve("pinhole.toml");
        Files.writeString(file, "[[expose]]\nname = \"web\"\nport = 8080\nhttp = true\n");
        var first = TunnelsFile.read(file, ENV).tunnels().get(0);
        Files.writeString(file, "# reordered\n[[expose]]\nhttp = true\nport = 8080\nname = \"WEB\"\n");
        var second = TunnelsFile.read(file, ENV).tunnels().get(0);
        assertTrue(first.sameAs(second));
        Files.writeString(file, "[[expose]]\nname = \"web\"\nport = 8081\nhttp = true\n");
        assertTrue(!first.sameAs(TunnelsFile.read(file, ENV).tunnels().get(0)));
    }
}
