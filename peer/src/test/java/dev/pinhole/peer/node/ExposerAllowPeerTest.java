package dev.pinhole.peer.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.protocol.AllowedPeer;
import dev.pinhole.protocol.ControlMessage.Incoming;
import dev.pinhole.protocol.JoinCode;
import dev.pinhole.protocol.SessionSecret;
import dev.pinhole.protocol.tls.Identity;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The exposer's own check of its {@code --allow-peer} list, for a rendezvous that ignores it (compromised, or
 * simply old): an {@code Incoming} announcing a key that is not on the list opens no session. As in
 * {@link ExposerSessionLimitsTest}, the rendezvous' port never answers TLS and the node is fed {@code Incoming} as
 * that connection would.
 */
class ExposerAllowPeerTest {
    static final String FRIEND = Identity.generate("friend").keyFingerprint();
    static final String STRANGER = Identity.generate("stranger").keyFingerprint();

    final StringWriter printed = new StringWriter();
    Exposer exposer;
    ServerSocket silent;

    void start(String... allowPeers) throws Exception {
        silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        JoinCode nowhere = new JoinCode("127.0.0.1", silent.getLocalPort(), "pht_00000000_" + "x".repeat(43),
                Identity.generate("nobody").certificateFingerprint());
        Output out = new Output(new PrintWriter(printed, true), new PrintWriter(printed, true), false);
        exposer = new Exposer(Identity.generate("exposer"), nowhere, out, Exposer.Service.peersOnly("web", "127.0.0.1", 1));
        exposer.allowPeers(List.of(allowPeers).stream().map(AllowedPeer::parse).toList());
        exposer.start();
    }

    @AfterEach
    void stop() throws Exception {
        exposer.close();
        silent.close();
    }

    void incoming(int id, String key) {
        exposer.loop.submit(() -> exposer.message(new Incoming(id, "web", key, SessionSecret.random()))).syncUninterruptibly();
    }

    @Test
    void aKeyTheRendezvousAnnouncedButTheListDoesNotNameIsRefusedAndTheListedOneIsServed() throws Exception {
        start(FRIEND);
        incoming(1, STRANGER);
        assertNull(exposer.sessions.get(1), "no session for a key not on the list");
        assertTrue(printed.toString().contains("refused session 1 from " + STRANGER + ": key " + STRANGER
                + " is not on this exposer's --allow-peer list"), printed.toString());
        incoming(2, FRIEND);
        assertNotNull(exposer.sessions.get(2), printed::toString);
        assertFalse(exposer.failed.isDone(), "the exposer goes on");
        // The same check guards the QUIC handshake: a key proven there must be on the list as well.
        assertNull(exposer.refusal(FRIEND));
        assertNotNull(exposer.refusal(STRANGER));
    }

    @Test
    void withALabelOnTheListOnlyTheRendezvousCanCheckAndTheExposerTakesItsWord() throws Exception {
        start(FRIEND, "label:friends");
        incoming(1, STRANGER);
        assertNotNull(exposer.sessions.get(1), printed::toString);
        assertEquals(1, exposer.sessions.size());
    }

    @Test
    void withoutAListAnyAnnouncedPeerIsServed() throws Exception {
        start();
        incoming(1, STRANGER);
        assertNotNull(exposer.sessions.get(1), printed::toString);
    }
}
