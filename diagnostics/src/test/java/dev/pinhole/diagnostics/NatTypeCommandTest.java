package dev.pinhole.diagnostics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class NatTypeCommandTest {
    @TempDir Path dir;

    record Run(int exit, String out, String err) {}

    Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new DiagnosticsCli());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return new Run(cli.execute(args), out.toString(), err.toString());
    }

    @Test
    void noServerAndNoLoginIsAUsageError() {
        Run run = run("nat-type", "--home", dir.toString());
        assertEquals(2, run.exit());
        assertTrue(run.err().contains("pass --server HOST[:PORT] or run 'peer login JOIN_CODE'"), run.err());
    }

    @Test
    void aSilentServerMeansUdpBlockedWithItsOwnExitCode() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            Run run = run("nat-type", "--server", "127.0.0.1:" + silent.getLocalPort(), "--json");
            assertEquals(NatTypeCommand.UDP_BLOCKED, run.exit());
            assertTrue(run.out().contains("\"udp\":false") && run.out().contains("\"nat_type\":\"udp-blocked\""), run.out());
        }
    }

    @Test
    void serverAddressesParse() {
        assertEquals(3478, NatTypeCommand.parse("203.0.113.10").getPort());
        assertEquals(13478, NatTypeCommand.parse("203.0.113.10:13478").getPort());
        assertEquals(3478, NatTypeCommand.parse("::1").getPort());
        assertEquals(5, NatTypeCommand.parse("[::1]:5").getPort());
    }
}
