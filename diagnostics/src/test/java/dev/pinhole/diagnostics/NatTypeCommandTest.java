package dev.pinhole.diagnostics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.protocol.JoinCode;
import dev.pinhole.protocol.home.PeerHome;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
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
    void theRendezvousStunPortAPeerWasToldIsTheDefault() throws Exception {
        PeerHome home = new PeerHome(dir);
        JoinCode code = JoinCode.parse("pinhole://pht_00000000_x@127.0.0.1:7000?fp=sha256:" + "A".repeat(43));
        home.saveServer(code);
        try (DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            home.saveStunPort(code, silent.getLocalPort());
            Run run = run("nat-type", "--home", dir.toString(), "--json");
            assertEquals(NatTypeCommand.UDP_BLOCKED, run.exit());
            assertTrue(run.out().contains("no answer from /127.0.0.1:" + silent.getLocalPort() + " over UDP"), run.out());
        }
        home.saveStunPort(code, 0);
        Run none = run("nat-type", "--home", dir.toString());
        assertEquals(2, none.exit());
        assertTrue(none.err().contains("the rendezvous 127.0.0.1:7000 runs no STUN"), none.err());
    }

    @Test
    void serverOptionsThatCannotBeUsedAreUsageErrors() {
        for (String server : List.of("127.0.0.1:0", "127.0.0.1:70000", "127.0.0.1:stun", "[::1]:-5")) {
            Run run = run("nat-type", "--server", server);
            assertEquals(2, run.exit(), server);
            assertTrue(run.err().contains("--server " + server + " (expected: HOST[:PORT], PORT 1..65535)"), run.err());
        }
        Run three = run("nat-type", "--server", "127.0.0.1:1", "--server", "127.0.0.1:2", "--server", "127.0.0.1:3");
        assertEquals(2, three.exit());
        assertTrue(three.err().contains("--server given 3 times (expected: at most 2"), three.err());
    }

    @Test
    void serverAddressesParse() {
        assertEquals(3478, NatTypeCommand.parse("203.0.113.10").getPort());
        assertEquals(13478, NatTypeCommand.parse("203.0.113.10:13478").getPort());
        assertEquals(3478, NatTypeCommand.parse("::1").getPort());
        assertEquals(5, NatTypeCommand.parse("[::1]:5").getPort());
    }
}
