package dev.pinhole.peer.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pinhole.peer.cli.PeerCli;
import dev.pinhole.protocol.SessionSecret;
import dev.pinhole.protocol.punch.Probe;
import dev.pinhole.session.DirectPath;
import dev.pinhole.session.RelayPath;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code peer status} reads what running nodes write; files of dead processes are cleaned up. */
class StatusCommandTest {
    @TempDir Path home;

    String run(String... args) {
        CommandLine cli = PeerCli.commandLine();
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out));
        assertEquals(0, cli.execute(args));
        return out.toString();
    }

    @Test
    void showsEachSessionWithItsPathAndForgetsDeadProcesses() throws Exception {
        Path run = home.resolve("run");
        StatusFile status = new StatusFile(run, Probe.Role.CONNECTOR, null);
        Session relayed = new Session(0xabc, "web", "sha256:KEY", new InetSocketAddress("127.77.0.1", 7),
                new RelayPath(0xabc, () -> null, "203.0.113.10:7000"), SessionSecret.random(), null);
        DirectPath direct = new DirectPath(null, new EmbeddedChannel(), new InetSocketAddress("198.18.2.2", 40001), 0.31);
        status.write("203.0.113.10:7000", "127.0.0.1:8080", List.of(relayed), s -> direct, null);
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Files.writeString(run.resolve(gone.pid() + ".json"), "{}");

        String text = run("status", "--home", home.toString());
        assertTrue(text.startsWith("connect (pid " + ProcessHandle.current().pid() + ") via 203.0.113.10:7000"), text);
        assertTrue(text.contains("session abc 'web' with sha256:KEY: direct 198.18.2.2:40001 rtt 0.31 ms"), text);
        assertFalse(Files.exists(run.resolve(gone.pid() + ".json")), "a dead process' file is removed");

        JsonNode json = StatusFile.JSON.readTree(run("status", "--home", home.toString(), "--json"));
        JsonNode session = json.path("nodes").get(0).path("sessions").get(0);
        assertEquals("direct", session.path("path").asText());
        assertEquals(0.31, session.path("rtt_ms").asDouble());

        status.write("203.0.113.10:7000", "127.0.0.1:8080", List.of(relayed), s -> relayed.relay, null);
        assertTrue(run("status", "--home", home.toString()).contains(": relay 203.0.113.10:7000"));
        status.delete();
        assertEquals("no peer expose/connect/up is running for this home\n", run("status", "--home", home.toString()));
    }
}
