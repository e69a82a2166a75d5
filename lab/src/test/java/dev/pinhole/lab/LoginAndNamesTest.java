package dev.pinhole.lab;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.peer.cli.PeerCli;
import dev.pinhole.protocol.JoinCode;
import dev.pinhole.protocol.home.PeerHome;
import dev.pinhole.protocol.tls.Identity;
import dev.pinhole.rendezvous.DataDir;
import dev.pinhole.rendezvous.cli.RendezvousCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code peer login}, {@code peer names} and {@code peer release} typed as a user types them, against a real
 * rendezvous on loopback (docs/cli.md): login says what is wrong and saves nothing then; names and release act on
 * this identity's own names; a refused expose leaves no name claimed.
 */
class LoginAndNamesTest {
    @TempDir Path dir;

    record Run(int code, String out, String err) {}

    static Run peer(String... args) {
        return run(PeerCli.commandLine(), args);
    }

    static Run run(CommandLine cli, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return new Run(cli.execute(args), out.toString(), err.toString());
    }

    String home(String name) {
        return dir.resolve(name).toString();
    }

    static int closedPort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Test
    void loginChecksTheJoinCodeThenSavesItAndSaysWhoItIs() throws Exception {
        try (Rig rig = new Rig(dir)) {
            JoinCode code = rig.startServer(0).joinCode();
            Run login = peer("login", code.toString(), "--home", home("a"));
            assertEquals(0, login.code(), login.err());
            String key = peer("id", "--home", home("a")).out().trim();
            String tokenId = code.token().substring(4, 12);
            assertEquals("logged in to the rendezvous at " + code.address() + " with token " + tokenId + " as " + key
                    + "\nsaved in " + home("a") + "\n", login.out());
            assertEquals(code, new PeerHome(Path.of(home("a"))).server().orElseThrow());
        }
    }

    @Test
    void loginToAClosedPortSaysItIsUnreachableExitsOneAndSavesNothing() throws Exception {
        try (Rig rig = new Rig(dir)) {
            JoinCode live = rig.startServer(0).joinCode();
            JoinCode closed = new JoinCode("127.0.0.1", closedPort(), live.token(), live.fingerprint());
            Run login = peer("login", closed.toString(), "--home", home("fresh"));
            assertEquals(1, login.code());
            assertTrue(login.err().startsWith("peer: error: cannot reach the rendezvous at " + closed.address() + ": "),
                    login.err());
            assertTrue(login.err().contains("; nothing saved"), login.err());
            assertFalse(Files.exists(Path.of(home("fresh"))), "a failed login created the home");

            // A home that was logged in keeps its rendezvous after a failed login to another.
            assertEquals(0, peer("login", live.toString(), "--home", home("a")).code());
            assertEquals(1, peer("login", closed.toString(), "--home", home("a")).code());
            assertEquals(live, new PeerHome(Path.of(home("a"))).server().orElseThrow());
        }
    }

    @Test
    void loginToAServerWithAnotherCertificateNamesBothFingerprintsAndExitsTwo() throws Exception {
        try (Rig rig = new Rig(dir)) {
            JoinCode live = rig.startServer(0).joinCode();
            String pinned = Identity.generate("someone-else").certificateFingerprint();
            JoinCode wrong = new JoinCode(live.host(), live.port(), live.token(), pinned);
            Run login = peer("login", wrong.toString(), "--home", home("fresh"));
            assertEquals(2, login.code());
            assertTrue(login.err().startsWith("peer: error: refusing the rendezvous at " + live.address() + ": the"
                    + " rendezvous' certificate fingerprint " + live.fingerprint() + " does not match the pinned " + pinned),
                    login.err());
            assertFalse(Files.exists(Path.of(home("fresh"))), "a failed login created the home");
        }
    }

    @Test
    void loginWithAnUnknownOrRevokedTokenSaysTheTokenWasRefusedAndExitsTwo() throws Exception {
        try (Rig rig = new Rig(dir)) {
            DataDir data = new DataDir(rig.dataDir, Clock.systemUTC());
            String revoked = data.createToken("gone");
            data.revokeToken(revoked.substring(4, 12));
            JoinCode live = rig.startServer(0).joinCode();
            JoinCode unknown = new JoinCode(live.host(), live.port(), "pht_00000000_" + "x".repeat(43), live.fingerprint());
            Run login = peer("login", unknown.toString(), "--home", home("fresh"));
            assertEquals(2, login.code());
            assertTrue(login.err().startsWith("peer: error: the rendezvous refused token 00000000: unknown or revoked;"),
                    login.err());
            JoinCode withRevoked = new JoinCode(live.host(), live.port(), revoked, live.fingerprint());
            Run again = peer("login", withRevoked.toString(), "--home", home("fresh"), "--json");
            assertEquals(2, again.code());
            assertTrue(again.out().contains("\"event\":\"error\"") && again.out().contains("it was revoked by the operator"),
                    again.out());
            assertFalse(Files.exists(Path.of(home("fresh"))), "a failed login created the home");
        }
    }

    @Test
    void loginOfflineSavesWithoutContactingTheServer() throws Exception {
        JoinCode nowhere = new JoinCode("127.0.0.1", closedPort(), "pht_00000000_x", Identity.generate("nowhere").certificateFingerprint());
        Run login = peer("login", "--offline", nowhere.toString(), "--home", home("a"));
        assertEquals(0, login.code(), login.err());
        assertTrue(login.out().startsWith("saved rendezvous " + nowhere.address() + " in " + home("a") + " without checking"),
                login.out());
        assertEquals(nowhere, new PeerHome(Path.of(home("a"))).server().orElseThrow());
    }

    @Test
    void namesListsThisIdentitysNamesAndReleaseGivesOneUp() throws Exception {
        try (Rig rig = new Rig(dir); LocalWebServer web = new LocalWebServer("127.0.0.1")) {
            String join = rig.startServerWithStun().joinCode().toString();
            assertEquals(0, peer("login", join, "--home", home("a")).code());
            assertEquals(0, peer("login", join, "--home", home("b")).code());
            Run none = peer("names", "--home", home("a"));
            assertEquals(0, none.code(), none.err());
            assertTrue(none.out().startsWith("this identity (sha256:") && none.out().contains("owns no names"), none.out());
            String tokenId = JoinCode.parse(join).token().substring(4, 12);
            try (PeerCommand expose = new PeerCommand("expose", String.valueOf(web.port()), "--name", "NAS",
                    "--home", home("a"))) {
                expose.awaitMatch("exposing \\S+ as '(nas)'");
                Run names = peer("names", "--home", home("a"));
                assertEquals(0, names.code(), names.err());
                assertTrue(names.out().matches("(?s)NAME +TOKEN +CREATED +ONLINE\nnas +" + tokenId + " +\\S+Z +yes\n"),
                        names.out());
                Run json = peer("names", "--home", home("a"), "--json");
                assertTrue(json.out().startsWith("{\"event\":\"name\",\"name\":\"nas\",\"token\":\"" + tokenId + "\",\"created\":"),
                        json.out());
                assertTrue(json.out().contains("\"online\":true}"), json.out());
                assertTrue(peer("names", "--home", home("b")).out().contains("owns no names"));

                Run stranger = peer("release", "nas", "--home", home("b"));
                assertEquals(1, stranger.code());
                assertEquals("peer: error: this identity owns no name 'nas' on this rendezvous (see 'peer names')\n",
                        stranger.err());
            }
            Run release = peer("release", "NAS", "--home", home("a"));
            assertEquals(0, release.code(), release.err());
            assertEquals("released 'nas' on 127.0.0.1:" + JoinCode.parse(join).port() + ": anyone may register it now\n",
                    release.out());
            assertTrue(peer("names", "--home", home("a")).out().contains("owns no names"));
            Run operator = run(RendezvousCli.commandLine(), "--data-dir", rig.dataDir.toString(), "names", "list");
            assertFalse(operator.out().contains("nas"), operator.out());
            // Another identity may take it now.
            try (PeerCommand expose = new PeerCommand("expose", String.valueOf(web.port()), "--name", "nas",
                    "--home", home("b"))) {
                expose.awaitMatch("exposing \\S+ as '(nas)'");
            }
        }
    }

    @Test
    void namesAndReleaseSayWhenTheRendezvousIsUnreachable() throws Exception {
        JoinCode nowhere = new JoinCode("127.0.0.1", closedPort(), "pht_00000000_x", Identity.generate("nowhere").certificateFingerprint());
        Run names = peer("names", "--server", nowhere.toString(), "--home", home("a"));
        assertEquals(1, names.code());
        assertTrue(names.err().startsWith("peer: error: cannot reach the rendezvous at " + nowhere.address()), names.err());
        Run release = peer("release", "nas", "--server", nowhere.toString(), "--home", home("a"));
        assertEquals(1, release.code());
        assertTrue(release.err().startsWith("peer: error: cannot reach the rendezvous at " + nowhere.address()), release.err());
    }

    @Test
    void anExposeRefusedOverAQuotaLeavesItsNameUnclaimed() throws Exception {
        try (Rig rig = new Rig(dir); LocalWebServer web = new LocalWebServer("127.0.0.1")) {
            String join = rig.startServerWithStun("--max-services-per-peer", "1").joinCode().toString();
            try (PeerCommand first = new PeerCommand("expose", String.valueOf(web.port()), "--name", "one",
                    "--server", join, "--home", home("a"))) {
                first.awaitMatch("exposing \\S+ as '(one)'");
                Run second = peer("expose", String.valueOf(web.port()), "--name", "two", "--server", join, "--home", home("a"));
                assertEquals(2, second.code());
                assertTrue(second.err().contains(" ERROR services exposed at once: 1 (limit per peer;"), second.err());
                // The claim is taken back on the state's own thread, queued before the refusal was sent.
                await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                    Run names = peer("names", "--server", join, "--home", home("a"));
                    assertTrue(names.out().contains("\none ") && !names.out().contains("two"), names.out());
                    Run operator = run(RendezvousCli.commandLine(), "--data-dir", rig.dataDir.toString(), "names", "list");
                    assertTrue(operator.out().contains("\none ") && !operator.out().contains("two"), operator.out());
                });
            }
        }
    }
}
