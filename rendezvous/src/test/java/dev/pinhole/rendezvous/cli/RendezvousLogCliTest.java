package dev.pinhole.rendezvous.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** What the server logs, as a user who runs it sees it: date, time and level, --log-level, --log-format json. */
class RendezvousLogCliTest {
    @TempDir Path dir;

    /** A server started as a user types it, on free loopback ports; {@link #stop} ends it like Ctrl-C. */
    final class Started implements AutoCloseable {
        final RendezvousCli cli = new RendezvousCli();
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CompletableFuture<Integer> exit;

        Started(String... extra) {
            List<String> args = new ArrayList<>(List.of("--data-dir", dir.toString(), "--bind", "127.0.0.1", "--port", "0",
                    "--no-stun", "--no-dashboard"));
            args.addAll(List.of(extra));
            CommandLine commandLine = RendezvousCli.commandLine(cli);
            commandLine.setOut(new PrintWriter(out, true));
            commandLine.setErr(new PrintWriter(err, true));
            exit = CompletableFuture.supplyAsync(() -> commandLine.execute(args.toArray(String[]::new)));
            await().atMost(Duration.ofSeconds(20)).until(() -> out.toString().contains("Pinhole rendezvous on port")
                    || exit.isDone());
        }

        @Override
        public void close() {
            cli.stop();
            assertEquals(0, exit.join(), err.toString());
        }
    }

    @Test
    void textLinesCarryDateTimeAndLevelAndAGuessedLoopbackHostIsWarnedAbout() {
        try (Started server = new Started()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> server.err.toString().contains("rendezvous listening on"));
            String[] lines = server.err.toString().split("\n");
            assertTrue(lines[0].matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} WARN  no --public-host: join codes"
                    + " name 127\\.0\\.0\\.1, a private address .*"), lines[0]);
            assertTrue(lines[1].matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  rendezvous listening on .*"),
                    lines[1]);
        }
    }

    @Test
    void aPublicHostTheOperatorNamedIsNotWarnedAbout() {
        try (Started server = new Started("--public-host", "rv.example.org")) {
            await().atMost(Duration.ofSeconds(10)).until(() -> server.err.toString().contains("rendezvous listening on"));
            assertFalse(server.err.toString().contains("WARN"), server.err.toString());
        }
    }

    @Test
    void jsonFormatIsOneObjectPerLineWithTimeLevelAndMessage() throws Exception {
        try (Started server = new Started("--log-format", "json")) {
            await().atMost(Duration.ofSeconds(10)).until(() -> server.err.toString().contains("rendezvous listening on"));
            ObjectMapper json = new ObjectMapper();
            List<JsonNode> lines = new ArrayList<>();
            for (String line : server.err.toString().split("\n")) {
                lines.add(json.readTree(line));
            }
            assertEquals("warn", lines.get(0).path("level").asText());
            assertTrue(lines.get(0).path("message").asText().startsWith("no --public-host: join codes name 127.0.0.1"));
            assertEquals("info", lines.get(1).path("level").asText());
            for (JsonNode line : lines) {
                assertTrue(line.path("time").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"), line.toString());
            }
        }
    }

    @Test
    void levelErrorLeavesOutWarningsAndInfo() {
        try (Started server = new Started("--log-level", "error")) {
            assertTrue(server.out.toString().contains("Pinhole rendezvous on port"), server.err.toString());
            assertEquals("", server.err.toString());
        }
    }

    @Test
    void aLevelOrFormatItDoesNotKnowIsAUsageError() {
        StringWriter err = new StringWriter();
        CommandLine cli = RendezvousCli.commandLine();
        cli.setErr(new PrintWriter(err, true));
        cli.setOut(new PrintWriter(new StringWriter(), true));
        assertEquals(2, cli.execute("--data-dir", dir.toString(), "--log-level", "verbose"));
        assertEquals("rendezvous: error: --log-level verbose (expected: error, warn, info, debug)\n", err.toString());
    }

    @Test
    void privateAddressesAreThoseOutsidersCannotReach() {
        for (String host : List.of("127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.10", "169.254.1.1", "100.64.0.1",
                "fd00::1", "::1", "fe80::1")) {
            assertTrue(PublicHostGuess.isPrivate(host), host);
        }
        for (String host : List.of("203.0.113.7", "100.128.0.1", "2001:db8::1", "rv.example.org", "localhost")) {
            assertFalse(PublicHostGuess.isPrivate(host), host);
        }
    }
}
