package dev.pinhole.rendezvous.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Starting the server through its command line: what it prints, and what makes it refuse to start. */
class ServerStartCliTest {
    @TempDir Path dir;

    record Run(int exit, String out, String err) {}

    /** A server started as a user types it, on free ports; {@link #stop} ends it like Ctrl-C. */
    final class Started {
        final RendezvousCli cli = new RendezvousCli();
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CompletableFuture<Integer> exit;

        Started(String... extra) {
            CommandLine commandLine = new CommandLine(cli);
            commandLine.setOut(new PrintWriter(out, true));
            commandLine.setErr(new PrintWriter(err, true));
            exit = CompletableFuture.supplyAsync(() -> commandLine.execute(args(extra)));
        }

        int stop() {
            cli.stop();
            return exit.join();
        }
    }

    String[] args(String... extra) {
        List<String> args = new ArrayList<>(List.of("--data-dir", dir.toString(), "--bind", "127.0.0.1", "--port", "0",
                "--public-host", "127.0.0.1", "--no-stun"));
        args.addAll(List.of(extra));
        if (!args.contains("--dashboard")) {
            args.add("--no-dashboard");
        }
        return args.toArray(String[]::new);
    }

    Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new RendezvousCli());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return new Run(cli.execute(args), out.toString(), err.toString());
    }

    @Test
    void theJoinCodeIsPrintedWhenCreatedAndOnlyShownOnRequestAfterwards() throws Exception {
        Started first = new Started();
        await().atMost(Duration.ofSeconds(20)).until(() -> first.out.toString().contains("On each peer:"));
        assertEquals(0, first.stop());
        String code = Files.readString(dir.resolve("join-code")).trim();
        assertTrue(first.out.toString().contains("  " + code + "\n"), first.out.toString());

        Started second = new Started();
        await().atMost(Duration.ofSeconds(20)).until(() -> second.out.toString().contains("Join code: in "));
        assertEquals(0, second.stop());
        assertFalse(second.out.toString().contains("pht_"), "a restart must not print the secret: " + second.out);
        assertTrue(second.out.toString().contains("Join code: in " + dir.resolve("join-code")
                + " ('rendezvous join-code' shows it)"), second.out.toString());

        Run shown = run("--data-dir", dir.toString(), "join-code");
        assertEquals(0, shown.exit(), shown.err());
        String token = code.replaceAll(".*(pht_[^@]+)@.*", "$1");
        assertTrue(shown.out().trim().contains(token + "@127.0.0.1:"), "the same token, on this start's port: " + shown.out());
        assertEquals(Files.readString(dir.resolve("join-code")).trim(), shown.out().trim());
    }

    @Test
    void joinCodeSaysSoWhenThereIsNoneOrItsTokenWasRevoked() throws Exception {
        Run none = run("--data-dir", dir.toString(), "join-code");
        assertEquals(1, none.exit());
        assertTrue(none.err().contains("no join code in " + dir.resolve("join-code") + " yet"), none.err());

        Started started = new Started();
        await().atMost(Duration.ofSeconds(20)).until(() -> started.out.toString().contains("On each peer:"));
        assertEquals(0, started.stop());
        String id = Files.readString(dir.resolve("join-code")).replaceAll("(?s).*pht_([0-9a-f]{8})_.*", "$1");
        assertEquals(0, run("--data-dir", dir.toString(), "token", "revoke", id).exit());
        Run revoked = run("--data-dir", dir.toString(), "join-code");
        assertEquals(1, revoked.exit());
        assertTrue(revoked.err().contains("was revoked: the next start of the rendezvous issues a new one"), revoked.err());
    }

    @Test
    void aCorruptStateFileStopsTheServerNamingTheFileAndTheErrorAndIsLeftAsItIs() throws Exception {
        Path state = dir.resolve("state.json");
        byte[] corrupt = "{\"tokens\": {\"1a2b3c4d\": {\"id\": \"1a2b3c4d\",\n  \"label\": tru".getBytes(StandardCharsets.UTF_8);
        Files.write(state, corrupt);
        Run run = run(args());
        assertEquals(1, run.exit(), run.out());
        assertTrue(run.err().startsWith("rendezvous: error: " + state + " is not a valid state file ("), run.err());
        assertTrue(run.err().contains("at line 2, column"), run.err());
        assertTrue(run.err().contains("it was left as it is"), run.err());
        assertArrayEquals(corrupt, Files.readAllBytes(state));
        assertFalse(Files.exists(dir.resolve("join-code")), "nothing was started or written");
    }

    @Test
    void anEmptyOrShortDashboardSecretIsRefused() throws Exception {
        for (String content : List.of("", "  \n", "phd_short")) {
            Files.writeString(dir.resolve("dashboard-secret"), content);
            Started started = new Started("--dashboard", "127.0.0.1:0");
            try {
                // Bounded: a server that accepted the secret would run until stopped.
                assertEquals(1, started.exit.get(20, TimeUnit.SECONDS), started.out.toString());
            } finally {
                started.stop();
            }
            assertTrue(started.err.toString().contains(dir.resolve("dashboard-secret") + ": " + content.trim().length()
                    + " characters (expected: at least 32); delete the file"), started.err.toString());
        }
    }
}
