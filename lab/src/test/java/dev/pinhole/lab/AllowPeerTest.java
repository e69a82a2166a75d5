package dev.pinhole.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.protocol.JoinCode;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code peer expose --allow-peer}, typed as a user types it against a real rendezvous: listed peers connect and
 * fetch, any other peer's {@code peer connect} exits 2 naming the service and its own key, by key and by token
 * label (docs/security.md, "Who may connect to a service").
 */
class AllowPeerTest {
    @TempDir Path dir;

    String home(String name) {
        return dir.resolve(name).toString();
    }

    /** {@code peer id}: this home's key, as its owner would send it to the exposer. */
    String keyOf(String home) {
        BadInputTest.Run id = OptionsTest.peer("id", "--home", home(home));
        assertEquals(0, id.exit(), id.out());
        return id.out().strip();
    }

    /** {@code rendezvous token create --label LABEL} on the running rig: the new token's join code. */
    static String joinCodeWithLabel(Rig rig, String label) {
        RevocationTest.Run created = RevocationTest.rendezvous(rig, "token", "create", "--label", label);
        assertEquals(0, created.exit(), created.err());
        return JoinCode.parse(created.out().lines().toList().get(1)).toString();
    }

    static void assertRefused(PeerCommand connect, String key) {
        assertEquals("2", connect.awaitMatch("exit (\\d+)"));
        assertTrue(connect.log().contains("service 'web' admits only the peers its exposer listed (--allow-peer), and this"
                + " peer's key " + key + " is not one of them; send that key ('peer id' prints it) to whoever runs 'web'"),
                connect.log());
    }

    @Test
    void aListedKeyConnectsAndFetchesAndAnotherPeerIsRefusedWithItsOwnKey() throws Exception {
        try (Rig rig = new Rig(dir); LocalWebServer web = new LocalWebServer()) {
            String join = rig.startServer(0).joinCode().toString();
            String stranger = joinCodeWithLabel(rig, "strangers");
            String friendKey = keyOf("friend");
            try (PeerCommand expose = new PeerCommand("expose", String.valueOf(web.port()), "--name", "web",
                    "--allow-peer", friendKey, "--server", join, "--home", home("exposer"))) {
                assertEquals("only " + friendKey, expose.awaitMatch("who may connect: (.*)"));
                try (PeerCommand friend = new PeerCommand("connect", "web", "--listen", "127.0.0.1:0", "--json",
                        "--server", join, "--home", home("friend"));
                     PeerCommand other = new PeerCommand("connect", "web", "--listen", "127.0.0.1:0",
                             "--server", stranger, "--home", home("other"))) {
                    String listen = friend.awaitMatch("\"event\":\"ready\",\"listen\":\"([^\"]+)\"");
                    assertEquals(LocalWebServer.HELLO, OptionsTest.get("http://" + listen + "/hello"));
                    assertRefused(other, keyOf("other"));
                }
                assertFalse(expose.log().contains(keyOf("other")), "the exposer never heard of the refused peer:\n"
                        + expose.log());
            }
        }
    }

    @Test
    void aTokenLabelAdmitsThatTokensPeersAndNoOthers() throws Exception {
        try (Rig rig = new Rig(dir); LocalWebServer web = new LocalWebServer()) {
            String join = rig.startServer(0).joinCode().toString();
            String friends = joinCodeWithLabel(rig, "friends");
            try (PeerCommand expose = new PeerCommand("expose", String.valueOf(web.port()), "--name", "web",
                    "--allow-peer", "label:friends", "--server", join, "--home", home("exposer"))) {
                assertEquals("only label:friends (labels are checked by the rendezvous only)",
                        expose.awaitMatch("who may connect: (.*)"));
                try (PeerCommand friend = new PeerCommand("connect", "web", "--listen", "127.0.0.1:0", "--json",
                        "--server", friends, "--home", home("friend"));
                     PeerCommand other = new PeerCommand("connect", "web", "--listen", "127.0.0.1:0",
                             "--server", join, "--home", home("other"))) {
                    String listen = friend.awaitMatch("\"event\":\"ready\",\"listen\":\"([^\"]+)\"");
                    assertEquals(LocalWebServer.HELLO, OptionsTest.get("http://" + listen + "/hello"));
                    assertRefused(other, keyOf("other"));
                }
            }
        }
    }

    /** Public visitors are not peers: the exposer admits the rendezvous' own key for them, as it asked for ingress. */
    @Test
    void publicHttpVisitorsAreNotPeersAndStillReachAServiceThatListsOnlyKeys() throws Exception {
        try (Rig rig = new Rig(dir); LocalWebServer web = new LocalWebServer()) {
            String join = rig.startServerWithStun().joinCode().toString();
            try (PeerCommand expose = new PeerCommand("expose", String.valueOf(web.port()), "--name", "web", "--http",
                    "--allow-peer", keyOf("friend"), "--server", join, "--home", home("exposer"))) {
                URI url = URI.create(expose.awaitMatch("public: (http://\\S+)"));
                try (RawHttp visitor = new RawHttp("127.0.0.1", url.getPort())) {
                    RawHttp.Response response = visitor.get(url.getAuthority(), "/hello");
                    assertEquals(200, response.status(), response.body() + "\n" + expose.log());
                    assertEquals(LocalWebServer.HELLO, response.body());
                }
                assertFalse(expose.log().contains("refused session"), expose.log());
            }
        }
    }

    @Test
    void withoutAllowPeerExposeSaysThatAnyPeerMayConnectAndHowToLimitIt() throws Exception {
        try (Rig rig = new Rig(dir)) {
            String join = rig.startServer(0).joinCode().toString();
            try (PeerCommand expose = new PeerCommand("expose", "8080", "--name", "web", "--server", join,
                    "--home", home("exposer"))) {
                assertEquals("any peer of this rendezvous (limit it with --allow-peer KEY or --allow-peer label:LABEL)",
                        expose.awaitMatch("who may connect: (.*)"));
            }
        }
    }

    @Test
    void aMalformedOrTooLongListIsAUsageErrorNamingTheOption() {
        BadInputTest.Run bad = OptionsTest.peer("expose", "8080", "--name", "web", "--allow-peer", "xyz",
                "--home", home("a"));
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("--allow-peer: xyz (expected: a key fingerprint as 'peer id' prints it,"
                + " sha256:<43 characters>, or label:LABEL for the peers of tokens created with --label LABEL)"), bad.err());

        List<String> args = new ArrayList<>(List.of("expose", "8080", "--name", "web", "--home", home("a")));
        for (int i = 0; i < 33; i++) {
            args.addAll(List.of("--allow-peer", "label:peer" + i));
        }
        BadInputTest.Run tooMany = OptionsTest.peer(args.toArray(String[]::new));
        assertEquals(2, tooMany.exit());
        assertTrue(tooMany.err().contains("--allow-peer: 33 peers (expected: at most 32; for a larger group ask the"
                + " operator for a token of its own, rendezvous token create --label LABEL, and allow label:LABEL)"),
                tooMany.err());
    }
}
