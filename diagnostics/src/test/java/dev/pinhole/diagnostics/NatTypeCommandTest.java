package dev.pinhole.diagnostics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.protocol.JoinCode;
import dev.pinhole.protocol.home.PeerHome;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

    /** nat-type with the environment given and DNS and probing recorded instead of done: nothing is sent. */
    record Recorded(Run run, List<String> resolved, List<InetSocketAddress> probed) {}

    Recorded recorded(Map<String, String> env, String... args) {
        List<String> resolved = new ArrayList<>();
        List<InetSocketAddress> probed = new ArrayList<>();
        NatTypeCommand.Resolver resolver = host -> {
            resolved.add(host);
            if (host.equals("stun.l.google.com")) {
                throw new UnknownHostException(host); // the first does not resolve: the next ones are used
            }
            return InetAddress.getByAddress(host, new byte[] {(byte) 192, 0, 2, (byte) resolved.size()});
        };
        NatTypeCommand.Prober prober = servers -> {
            probed.addAll(servers);
            return new Observations(new InetSocketAddress(0), null, null, null, null, null, null, null, null, null,
                    List.of("recorded, not sent"));
        };
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new NatTypeCommand(env, resolver, prober));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return new Recorded(new Run(cli.execute(args), out.toString(), err.toString()), resolved, probed);
    }

    @Test
    void withNoServerVariableOrLoginTheBuiltInPublicServersAreUsedAndSaidSo() {
        Recorded recorded = recorded(Map.of(), "--home", dir.toString());
        assertEquals(List.of("stun.l.google.com", "stun.cloudflare.com", "stun1.l.google.com"), recorded.resolved());
        assertEquals(List.of("stun.cloudflare.com:3478", "stun1.l.google.com:19302"),
                recorded.probed().stream().map(a -> a.getHostString() + ":" + a.getPort()).toList());
        assertEquals("diagnostics: note: no --server, $PINHOLE_STUN_SERVERS or 'peer login': using the public STUN servers"
                + " stun.cloudflare.com:3478 and stun1.l.google.com:19302 (built in); they test the mapping only: filtering"
                + " needs an RFC 5780 server, such as a Pinhole rendezvous with --alt-address (--server HOST)\n",
                recorded.run().err());
    }

    @Test
    void theVariableAndServerOptionTakeTheirPlaceAndALoginToo() throws Exception {
        Recorded fromEnv = recorded(Map.of("PINHOLE_STUN_SERVERS", "198.51.100.1:3478, 198.51.100.2"), "--home", dir.toString());
        assertEquals(List.of("198.51.100.1:3478", "198.51.100.2:3478"), fromEnv.probed().stream().map(a -> a.getHostString() + ":" + a.getPort()).toList());
        assertEquals("", fromEnv.run().err());
        Recorded fromOption = recorded(Map.of("PINHOLE_STUN_SERVERS", "198.51.100.1"), "--server", "198.51.100.9:5000");
        assertEquals(List.of("198.51.100.9:5000"), fromOption.probed().stream().map(a -> a.getHostString() + ":" + a.getPort()).toList());
        new PeerHome(dir).saveServer(JoinCode.parse("pinhole://pht_00000000_x@198.51.100.7:7000?fp=sha256:" + "A".repeat(43)));
        Recorded fromLogin = recorded(Map.of(), "--home", dir.toString());
        assertEquals(List.of("198.51.100.7:3478"), fromLogin.probed().stream().map(a -> a.getHostString() + ":" + a.getPort()).toList());
        Recorded envOverLogin = recorded(Map.of("PINHOLE_STUN_SERVERS", "198.51.100.1"), "--home", dir.toString());
        assertEquals(List.of("198.51.100.1:3478"), envOverLogin.probed().stream().map(a -> a.getHostString() + ":" + a.getPort()).toList());
    }

    @Test
    void aVariableThatCannotBeUsedIsAUsageError() {
        Recorded bad = recorded(Map.of("PINHOLE_STUN_SERVERS", "198.51.100.1:stun"));
        assertEquals(2, bad.run().exit());
        assertEquals("diagnostics: error: $PINHOLE_STUN_SERVERS: 198.51.100.1:stun (expected: HOST[:PORT], comma-separated)\n",
                bad.run().err());
        Recorded three = recorded(Map.of("PINHOLE_STUN_SERVERS", "198.51.100.1,198.51.100.2,198.51.100.3"));
        assertEquals(2, three.run().exit());
        assertTrue(three.run().err().contains("names 3 servers (expected: at most 2)"), three.run().err());
        assertTrue(three.probed().isEmpty());
    }

    @Test
    void theBuiltInListIsAtLeastTwoServersThatParse() {
        assertTrue(StunServers.BUILT_IN.size() >= 2);
        for (String server : StunServers.BUILT_IN) {
            InetSocketAddress address = StunServers.parse(server);
            assertTrue(address.isUnresolved() && address.getPort() > 0, server);
        }
        assertEquals(StunServers.BUILT_IN.size(), StunServers.BUILT_IN.stream().distinct().count());
    }

    @Test
    void theVariablePointsTheRealProbesAtAServerOnLoopback() throws Exception {
        try (LoopbackStunServer stun = new LoopbackStunServer()) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CommandLine cli = new CommandLine(new NatTypeCommand(Map.of("PINHOLE_STUN_SERVERS", "127.0.0.1:" + stun.port()),
                    InetAddress::getByName, new NatTypeCommand().prober()));
            cli.setOut(new PrintWriter(out, true));
            cli.setErr(new PrintWriter(err, true));
            assertEquals(0, cli.execute("--home", dir.toString(), "--json"), err.toString());
            assertTrue(out.toString().contains("\"udp\":true"), out.toString());
            assertTrue(out.toString().contains("127.0.0.1:" + stun.port() + " sends no OTHER-ADDRESS"), out.toString());
            assertTrue(stun.answered.get() >= 1);
        }
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
