package dev.pinhole.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.peer.cli.PeerCli;
import dev.pinhole.peer.node.Exposer;
import dev.pinhole.protocol.JoinCode;
import dev.pinhole.protocol.tls.Identity;
import dev.pinhole.rendezvous.RendezvousConfig;
import dev.pinhole.rendezvous.RendezvousServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** What a user sees when something is wrong: a clear message, a non-zero exit, nothing else broken. */
class BadInputTest {
    @TempDir Path dir;

    record Run(int exit, String out, String err) {}

    Run peer(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = PeerCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return new Run(cli.execute(args), out.toString(), err.toString());
    }

    @Test
    void wrongTokenExitsNonZeroAndNamesTheToken() throws Exception {
        try (Rig rig = new Rig(dir)) {
            JoinCode good = rig.startServer(0).joinCode();
            JoinCode bad = new JoinCode(good.host(), good.port(), "pht_0badf00d_" + "x".repeat(43), good.fingerprint());
            Run run = peer("connect", "web", "--server", bad.toString(), "--home", dir.resolve("b").toString());
            assertEquals(2, run.exit());
            assertTrue(run.err().contains("refused token 0badf00d"), run.err());
            assertTrue(rig.serverLog.stream().anyMatch(l -> l.contains("token 0badf00d is unknown or revoked")));
        }
    }

    @Test
    void publicIngressOptionsThatCannotWorkAreUsageErrors() {
        String home = dir.resolve("a").toString();
        Run noHttp = peer("expose", "8080", "--name", "web", "--basic-auth", "ann:s3cret", "--home", home);
        assertEquals(2, noHttp.exit());
        assertTrue(noHttp.err().contains("--basic-auth guards HTTP ingress: add --http"), noHttp.err());
        Run noPassword = peer("expose", "8080", "--name", "web", "--http", "--basic-auth", "ann:", "--home", home);
        assertEquals(2, noPassword.exit());
        assertTrue(noPassword.err().contains("--basic-auth (expected: USER:PASS, both non-empty)"), noPassword.err());
        Run badBlock = peer("expose", "8080", "--name", "web", "--http", "--allow-ip", "office", "--home", home);
        assertEquals(2, badBlock.exit());
        assertTrue(badBlock.err().contains("--allow-ip: address block 'office'"), badBlock.err());
        Run hostWithoutHttp = peer("expose", "8080", "--name", "web", "--host-header", "rewrite", "--home", home);
        assertEquals(2, hostWithoutHttp.exit());
        assertTrue(hostWithoutHttp.err().contains("--host-header applies to HTTP ingress: add --http"), hostWithoutHttp.err());
        Run nothingToLimit = peer("expose", "8080", "--name", "web", "--allow-ip", "203.0.113.0/24", "--home", home);
        assertEquals(2, nothingToLimit.exit());
        assertTrue(nothingToLimit.err().contains("add --http, --https, --tcp-port or --udp-port"), nothingToLimit.err());
        Run noHost = peer("expose", "8080", "--name", "web", "--host", "", "--home", home);
        assertEquals(2, noHost.exit());
        assertTrue(noHost.err().contains("--host '' (expected: the service's host name or address"), noHost.err());
    }

    @Test
    void aPasswordThatCouldNotGuardEveryWayInIsRefused() {
        String home = dir.resolve("a").toString();
        Run https = peer("expose", "8080", "--name", "web", "--http", "--https", "--basic-auth", "ann:s3cret", "--home", home);
        assertEquals(2, https.exit());
        assertTrue(https.err().contains("--basic-auth guards HTTP only and cannot protect --https"), https.err());
        Run tcp = peer("expose", "8080", "--name", "web", "--http", "--tcp-port", "auto", "--basic-auth", "ann:s3cret",
                "--home", home);
        assertEquals(2, tcp.exit());
        assertTrue(tcp.err().contains("--basic-auth guards HTTP only and cannot protect --tcp-port"), tcp.err());
    }

    @Test
    void aListenPortOutOfRangeIsAUsageErrorNotAHang() throws Exception {
        try (Rig rig = new Rig(dir)) {
            JoinCode code = rig.startServer(0).joinCode();
            rig.exposeReady(Identity.generate("a"), "web", 1);
            for (String listen : List.of("127.0.0.1:-1", "127.0.0.1:65536", ":8080", "127.0.0.1:web")) {
                Run run = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> peer("connect", "web", "--listen", listen,
                        "--server", code.toString(), "--home", dir.resolve("b").toString()));
                assertEquals(2, run.exit(), listen);
                assertTrue(run.err().contains("--listen " + listen + " (expected: [HOST:]PORT, PORT 0..65535"), run.err());
            }
        }
    }

    @Test
    void commandsThatTalkToNoRendezvousDoNotTakeServer() {
        for (String command : List.of("id", "status", "login")) {
            Run run = command.equals("login")
                    ? peer("login", "pinhole://t@h:1?fp=sha256:x", "--server", "pinhole://u@h:2?fp=sha256:y", "--home", dir.toString())
                    : peer(command, "--server", "pinhole://t@h:1?fp=sha256:x", "--home", dir.toString());
            assertEquals(2, run.exit(), command);
            assertTrue(run.err().contains("Unknown option") && run.err().contains("'--server'"), run.err());
        }
    }

    @Test
    void httpIngressOnARendezvousWithoutADomainIsAClearError() throws Exception {
        try (Rig rig = new Rig(dir); LocalWebServer web = new LocalWebServer()) {
            rig.startServer(0);
            var exposer = rig.expose(Identity.generate("a"), rig.joinCode(),
                    new Exposer.Service("web", "127.0.0.1", web.port(),
                            List.of(Exposer.Publication.http("", List.of()))));
            assertEquals("cannot publish 'web': this rendezvous has no HTTP or HTTPS ingress (its operator turns it on with"
                    + " --domain)", exposer.node().awaitFailure());
        }
    }

    @Test
    void missingTokenExitsNonZero() throws Exception {
        try (Rig rig = new Rig(dir)) {
            JoinCode good = rig.startServer(0).joinCode();
            JoinCode bad = new JoinCode(good.host(), good.port(), "nonsense", good.fingerprint());
            Run run = peer("expose", "8080", "--name", "web", "--server", bad.toString(), "--home", dir.resolve("a").toString());
            assertEquals(2, run.exit());
            assertTrue(run.err().contains("not of the form pht_"), run.err());
        }
    }

    @Test
    void unknownNameExitsNonZero() throws Exception {
        try (Rig rig = new Rig(dir)) {
            JoinCode code = rig.startServer(0).joinCode();
            Run run = peer("connect", "nosuch", "--server", code.toString(), "--home", dir.resolve("b").toString());
            assertEquals(2, run.exit());
            assertTrue(run.err().contains("no service named 'nosuch'"), run.err());
        }
    }

    @Test
    void nameOwnedBySomeoneElseExitsNonZero() throws Exception {
        try (Rig rig = new Rig(dir)) {
            JoinCode code = rig.startServer(0).joinCode();
            rig.exposeReady(Identity.generate("owner"), "web", 1);
            Run run = peer("expose", "8080", "--name", "web", "--server", code.toString(), "--home", dir.resolve("b").toString());
            assertEquals(2, run.exit());
            assertTrue(run.err().contains("name 'web' belongs to another identity"), run.err());
        }
    }

    @Test
    void aServerWhoseCertificateDoesNotMatchTheJoinCodeIsRefused() throws Exception {
        try (Rig rig = new Rig(dir)) {
            JoinCode good = rig.startServer(0).joinCode();
            JoinCode impostor = new JoinCode(good.host(), good.port(), good.token(),
                    Identity.generate("someone else").certificateFingerprint());
            Run run = peer("connect", "web", "--server", impostor.toString(), "--home", dir.resolve("b").toString());
            assertEquals(2, run.exit());
            assertTrue(run.err().contains("does not match the pinned"), run.err());
        }
    }

    @Test
    void anExposerKeyOtherThanTheExpectedOneIsRefused() throws Exception {
        try (Rig rig = new Rig(dir)) {
            JoinCode code = rig.startServer(0).joinCode();
            rig.exposeReady(Identity.generate("a"), "web", 1);
            String other = Identity.generate("other").keyFingerprint();
            Run run = peer("connect", "web", "--expect-key", other, "--server", code.toString(),
                    "--home", dir.resolve("b").toString());
            assertEquals(2, run.exit());
            assertTrue(run.err().contains("not the expected " + other), run.err());
        }
    }

    @Test
    void noServerConfiguredIsAUsageErrorWithAHint() {
        Run run = peer("connect", "web", "--home", dir.resolve("empty").toString());
        assertTrue(run.exit() != 0);
        assertTrue(run.err().contains("peer login JOIN_CODE"), run.err());
    }

    @Test
    void aClientThatStallsBeforeTlsIsDisconnected() throws Exception {
        RendezvousConfig config = new RendezvousConfig(dir.resolve("rv"), "127.0.0.1", 0, "127.0.0.1", Duration.ofMillis(500));
        try (RendezvousServer server = new RendezvousServer(config, line -> { }).start();
             Socket stalled = new Socket("127.0.0.1", server.port())) {
            // The server closes it (read gives -1) well before the default 10 s login timeout would: the configured
            // 500 ms applies. The margin is wide so a loaded machine does not fail it.
            stalled.setSoTimeout(9_000);
            assertEquals(-1, stalled.getInputStream().read());
        }
    }

    @Test
    void loginSavesTheJoinCodeAndIdPrintsTheSameKey() throws Exception {
        try (Rig rig = new Rig(dir)) {
            JoinCode code = rig.startServer(0).joinCode();
            Path home = dir.resolve("home");
            Run login = peer("login", code.toString(), "--home", home.toString());
            assertEquals(0, login.exit(), login.err());
            Run id = peer("id", "--home", home.toString(), "--json");
            assertEquals(0, id.exit(), id.err());
            String key = id.out().replaceAll("(?s).*\"key\":\"([^\"]+)\".*", "$1").trim();
            assertTrue(key.matches("sha256:[A-Za-z0-9_-]{43}"), id.out());
            assertTrue(login.out().contains(" as " + key + "\n"), login.out());
            // The saved join code is used when --server is absent: the rendezvous answers that the name is unknown.
            Run unknown = peer("connect", "nosuch", "--home", home.toString());
            assertEquals(2, unknown.exit());
            assertTrue(unknown.err().contains("no service named 'nosuch'"), unknown.err());
        }
    }
}
