package dev.pinhole.rendezvous.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.rendezvous.Limits;
import dev.pinhole.rendezvous.RendezvousConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The budget and quota flags of {@code rendezvous}, typed as an operator types them. */
class LimitOptionsTest {
    @TempDir Path dir;

    @Test
    void withoutFlagsTheDefaultsApply() throws Exception {
        RendezvousConfig config = RendezvousCli.settingsOf("--data-dir", dir.toString(), "--no-stun", "--no-dashboard");
        assertEquals(Limits.DEFAULTS, config.limits());
        assertEquals(Duration.ofSeconds(10), config.loginTimeout());
    }

    @Test
    void everyLimitHasAFlag() throws Exception {
        RendezvousConfig config = RendezvousCli.settingsOf("--data-dir", dir.toString(),
                "--max-connections-per-source", "8", "--max-connections", "500", "--tls-timeout", "3",
                "--login-timeout", "4", "--tcp-idle-timeout", "60", "--max-sessions-per-peer", "5",
                "--max-sessions-per-exposer", "50", "--open-rate", "2.5", "--open-burst", "4", "--candidates-rate", "3",
                "--max-names-per-peer", "6", "--max-services-per-peer", "7", "--max-ports-per-peer", "2",
                "--max-web-connections-per-source", "9", "--max-web-connections", "300");
        assertEquals(new Limits(8, 500, Duration.ofSeconds(3), Duration.ofSeconds(60), 5, 50, 2.5, 4, 3, 6, 7, 2, 9, 300),
                config.limits());
        assertEquals(Duration.ofSeconds(4), config.loginTimeout());
    }

    @Test
    void aConfigFileCanHoldThemAndFlagsWin() throws Exception {
        Path file = dir.resolve("rendezvous.toml");
        Files.writeString(file, "[limits]\nmax_connections_per_source = 16\nmax_sessions_per_peer = 9\nlogin_timeout = 20\n");
        RendezvousConfig config = RendezvousCli.settingsOf("--data-dir", dir.toString(), "--config", file.toString(),
                "--max-sessions-per-peer", "12");
        assertEquals(16, config.limits().connectionsPerSource());
        assertEquals(12, config.limits().sessionsPerPeer());
        assertEquals(Duration.ofSeconds(20), config.loginTimeout());
    }

    @Test
    void theWebPortsBudgetCanBeSetInTheConfigFileAndByFlag() throws Exception {
        Path file = dir.resolve("rendezvous.json");
        Files.writeString(file, "{\"limits\": {\"max_web_connections_per_source\": 20, \"max_web_connections\": 400}}");
        RendezvousConfig fromFile = RendezvousCli.settingsOf("--data-dir", dir.toString(), "--config", file.toString());
        assertEquals(20, fromFile.limits().webConnectionsPerSource());
        assertEquals(400, fromFile.limits().webConnections());
        assertEquals(64, fromFile.limits().connectionsPerSource(), "the control port's budget is another");
        RendezvousConfig flagWins = RendezvousCli.settingsOf("--data-dir", dir.toString(), "--config", file.toString(),
                "--max-web-connections", "900");
        assertEquals(900, flagWins.limits().webConnections());
        Run zero = run("--data-dir", dir.toString(), "--max-web-connections-per-source", "0");
        assertEquals(2, zero.exit());
        assertTrue(zero.err().contains("web connections per source: 0 (expected: 1 or more)"), zero.err());
    }

    record Run(int exit, String err) {}

    Run run(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cli = RendezvousCli.commandLine();
        cli.setErr(new PrintWriter(err, true));
        cli.setOut(new PrintWriter(new StringWriter(), true));
        return new Run(cli.execute(args), err.toString());
    }

    @Test
    void aLimitBelowOneIsAUsageErrorNamingIt() {
        Run zero = run("--data-dir", dir.toString(), "--max-sessions-per-peer", "0");
        assertEquals(2, zero.exit());
        assertTrue(zero.err().contains("sessions per peer: 0 (expected: 1 or more)"), zero.err());
        Run rate = run("--data-dir", dir.toString(), "--open-rate", "0");
        assertEquals(2, rate.exit());
        assertTrue(rate.err().contains("rates: 0.0, 10.0 (expected: above 0 per second)"), rate.err());
        Run words = run("--data-dir", dir.toString(), "--max-connections", "many");
        assertEquals(2, words.exit());
        assertTrue(words.err().contains("'many' is not an int"), words.err());
    }
}
