package dev.pinhole.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.diagnostics.DiagnosticsCli;
import dev.pinhole.peer.cli.PeerCli;
import dev.pinhole.protocol.PinholeVersion;
import dev.pinhole.rendezvous.cli.RendezvousCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * The three command lines as a user meets them (docs/cli.md): help on every command and subcommand, the same
 * version everywhere, completion scripts that bash accepts and that complete, and errors with one prefix per command.
 */
class CliHelpTest {
    static final Map<String, Supplier<CommandLine>> CLIS = Map.of(
            "peer", PeerCli::commandLine,
            "rendezvous", RendezvousCli::commandLine,
            "diagnostics", DiagnosticsCli::commandLine);

    record Run(int code, String out, String err) {}

    static Run run(String cli, String... args) {
        CommandLine commandLine = CLIS.get(cli).get();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int code = commandLine.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /** Every command and subcommand of the three CLIs, as the words after the CLI's name (empty: the CLI itself). */
    static Stream<Arguments> everyCommand() {
        List<Arguments> all = new ArrayList<>();
        CLIS.forEach((cli, factory) -> walk(cli, factory.get(), List.of(), all));
        return all.stream();
    }

    private static void walk(String cli, CommandLine command, List<String> path, List<Arguments> all) {
        all.add(Arguments.of(cli, path));
        command.getSubcommands().forEach((name, sub) -> {
            if (sub.getCommandName().equals(name)) { // aliases would list a command twice
                List<String> next = new ArrayList<>(path);
                next.add(name);
                walk(cli, sub, next, all);
            }
        });
    }

    static String[] words(List<String> path, String... more) {
        return Stream.concat(path.stream(), Stream.of(more)).toArray(String[]::new);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("everyCommand")
    void helpAndVersionWorkOnEveryCommandAndExitZero(String cli, List<String> path) {
        String qualified = String.join(" ", words(List.of(cli), path.toArray(String[]::new)));
        for (String help : List.of("--help", "-h")) {
            Run run = run(cli, words(path, help));
            assertEquals(0, run.code(), qualified + " " + help + ": " + run.err());
            assertTrue(run.out().contains("Usage: " + qualified + " "), qualified + " " + help + ":\n" + run.out());
            assertEquals("", run.err());
        }
        if (path.equals(List.of("help"))) {
            return; // picocli's own help command: a header, then the usage; it takes no --version
        }
        assertTrue(run(cli, words(path, "--help")).out().startsWith("Usage: " + qualified + " "), qualified);
        Run version = run(cli, words(path, "--version"));
        assertEquals(0, version.code(), qualified + " --version: " + version.err());
        assertEquals(String.join("\n", PinholeVersion.versionLines()) + "\n", version.out());
        assertTrue(version.out().startsWith("pinhole 0."), version.out()); // the Maven version, filtered in
    }

    @Test
    void everyCommandCountsTheSubcommandsUsersLookFor() {
        List<String> listed = everyCommand().map(a -> a.get()[0] + " " + String.join(" ", (List<String>) a.get()[1])).toList();
        for (String expected : List.of("peer login", "peer expose", "peer connect", "peer status", "peer id", "peer names",
                "peer release", "peer help", "peer completion", "rendezvous token create", "rendezvous names release",
                "rendezvous join-code", "rendezvous help", "diagnostics nat-type", "diagnostics completion")) {
            assertTrue(listed.contains(expected), expected + " missing from " + listed);
        }
    }

    @Test
    void helpCommandPrintsTheUsageOfTheCommandItNames() {
        Run peer = run("peer", "help", "expose");
        assertEquals(0, peer.code());
        assertTrue(peer.out().startsWith("Usage: peer expose "), peer.out());
        Run bare = run("peer", "help");
        assertEquals(0, bare.code());
        assertTrue(bare.out().contains("  release ") && bare.out().contains("  completion "), bare.out());
        assertTrue(run("rendezvous", "help", "token").out().startsWith("Usage: rendezvous token "));
        assertTrue(run("diagnostics", "help", "nat-type").out().startsWith("Usage: diagnostics nat-type "));
    }

    @ParameterizedTest(name = "{0} completion {1}")
    @MethodSource("shells")
    void completionScriptIsValidBashAndCompletesSubcommandsAndOptions(String cli, String shell, @TempDir Path dir)
            throws Exception {
        Run run = run(cli, "completion", shell);
        assertEquals(0, run.code(), run.err());
        Path script = dir.resolve(cli + ".sh");
        Files.writeString(script, run.out());
        assertEquals("", bash("-n", script.toString()), "bash -n " + cli + " completion " + shell);
        for (String sub : CLIS.get(cli).get().getSubcommands().keySet()) {
            assertTrue(run.out().contains(sub), sub + " missing from the script");
        }
        assertTrue(run.out().contains("ZSH_VERSION") && run.out().contains("bashcompinit"), "the script sets zsh up");
        // What bash offers after the first letters of a subcommand, with the script loaded.
        String first = CLIS.get(cli).get().getSubcommands().keySet().stream().filter(s -> !s.equals("help") && !s.equals("completion"))
                .findFirst().orElseThrow();
        String offered = bash("-c", "source " + script + "; COMP_WORDS=(" + cli + " " + first.substring(0, 3) + "); COMP_CWORD=1;"
                + " COMP_LINE='" + cli + " " + first.substring(0, 3) + "'; _complete_" + cli + " 2>/dev/null; echo \"${COMPREPLY[@]}\"");
        assertTrue(List.of(offered.trim().split(" ")).contains(first), cli + " " + first.substring(0, 3) + "<TAB> offered: " + offered);
    }

    static Stream<Arguments> shells() {
        return Stream.of("peer", "rendezvous", "diagnostics").flatMap(cli -> Stream.of(Arguments.of(cli, "bash"),
                Arguments.of(cli, "zsh")));
    }

    @Test
    void completionOfAnotherShellIsAUsageErrorNamingTheChoices() {
        Run run = run("peer", "completion", "fish");
        assertEquals(2, run.code());
        assertTrue(run.err().startsWith("peer: error: Invalid value for positional parameter at index 0 (SHELL):"
                + " expected one of [bash, zsh]"), run.err());
    }

    @Test
    void peerCompletionOffersExposesOptions(@TempDir Path dir) throws Exception {
        Path script = dir.resolve("peer.sh");
        Files.writeString(script, run("peer", "completion", "bash").out());
        String offered = bash("-c", "source " + script + "; COMP_WORDS=(peer expose --rel); COMP_CWORD=2;"
                + " COMP_LINE='peer expose --rel'; _complete_peer 2>/dev/null; echo \"${COMPREPLY[@]}\"");
        assertEquals("--relay-only", offered.trim());
    }

    @Test
    void errorsStartWithTheCommandsNameAndSayWhereHelpIs() {
        Run missing = run("peer", "expose", "80");
        assertEquals(2, missing.code());
        assertEquals("peer: error: Missing required option: '--name=<name>'\nTry 'peer expose --help' for more information.\n",
                missing.err());
        Run typo = run("peer", "exposee");
        assertEquals(2, typo.code());
        assertTrue(typo.err().startsWith("peer: error: Unmatched argument at index 0: 'exposee'\n"), typo.err());
        assertTrue(typo.err().contains("Did you mean: peer expose"), typo.err());
        Run badValue = run("peer", "expose", "80", "--name", "-bad-", "--server", "pinhole://x");
        assertEquals(2, badValue.code());
        assertTrue(badValue.err().startsWith("peer: error: "), badValue.err());
        Run rendezvous = run("rendezvous", "--http-port", "8080");
        assertEquals(2, rendezvous.code());
        assertEquals("rendezvous: error: --http-port and --https-port need --domain (services are NAME.DOMAIN)\n",
                rendezvous.err());
        Run unknown = run("rendezvous", "token", "list", "--bogus");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().startsWith("rendezvous: error: Unknown option: '--bogus'\n"), unknown.err());
        assertTrue(unknown.err().endsWith("Try 'rendezvous token list --help' for more information.\n"), unknown.err());
        Run diagnostics = run("diagnostics", "nat-type", "--server", "a", "--server", "b", "--server", "c");
        assertEquals(2, diagnostics.code());
        assertTrue(diagnostics.err().startsWith("diagnostics: error: --server given 3 times"), diagnostics.err());
    }

    @Test
    void theOperatorsNameCommandsPrefixTheirFailuresAndExitOne(@TempDir Path dir) {
        Run release = run("rendezvous", "--data-dir", dir.toString(), "names", "release", "nobody");
        assertEquals(1, release.code());
        assertEquals("rendezvous: error: no owned name 'nobody' (see 'names list')\n", release.err());
        Run revoke = run("rendezvous", "--data-dir", dir.toString(), "token", "revoke", "00000000");
        assertEquals(1, revoke.code());
        assertTrue(revoke.err().startsWith("rendezvous: error: no active token with id 00000000"), revoke.err());
    }

    static String bash(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(20, TimeUnit.SECONDS), "bash did not finish");
        assertEquals(0, process.exitValue(), output);
        return output;
    }
}
