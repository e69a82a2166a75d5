package dev.pinhole.peer.node;

import java.util.concurrent.TimeUnit;

/**
 * A session whose QUIC handshake has not finished in time ends on this side, which tells the rendezvous and so
 * the other side: an {@code Open} never followed by a handshake (a flood) holds nothing for long
 * (docs/security.md, "Limits: connections, control plane, quotas").
 */
final class HandshakeDeadline {
    /** A handshake over the relay takes a few round trips, well under a second even on a slow link. */
    static final long MILLIS = 10_000;

    private HandshakeDeadline() {}

    /** Ends {@code session} after {@code millis} unless its QUIC connection is up by then (on the node's loop). */
    static void watch(PeerNode node, Session session, long millis) {
        node.loop.schedule(() -> {
            if (session.quic == null && node.sessions.get(session.id) == session) {
                node.endSession(session, "no QUIC handshake within " + millis + " ms", true);
                session.onExpiry.run();
            }
        }, millis, TimeUnit.MILLISECONDS);
    }
}
