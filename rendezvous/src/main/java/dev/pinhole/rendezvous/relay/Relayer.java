package dev.pinhole.rendezvous.relay;

import dev.pinhole.protocol.ControlMessage.Close;
import dev.pinhole.protocol.ControlMessage.Relay;
import dev.pinhole.rendezvous.registry.Peer;
import dev.pinhole.rendezvous.registry.Registry;
import dev.pinhole.rendezvous.registry.RelaySession;
import io.netty.channel.Channel;

/**
 * Forwards one connection's {@code Relay} frames to the other side of their session, unread
 * (docs/architecture.md, "One session, many paths"). One per control connection, on its event loop.
 */
public final class Relayer {
    private final Registry registry;
    private final RelayBatch batch = new RelayBatch();

    public Relayer(Registry registry) {
        this.registry = registry;
    }

    /** @param from the sender, or null before it logged in (its packets are dropped without a word) */
    public void relay(Peer from, Relay relay) {
        RelaySession session = from == null ? null : registry.session(relay.sessionId());
        if (session != null && session.ingress() != null && session.exposer() == from) {
            counted(session, relay);
            batch.add(session.ingress(), relay);
            return;
        }
        Peer other = session == null ? null : session.other(from);
        if (other == null) {
            relay.release();
            // Only to a sender that reads: this answer is a courtesy (its next packet would get another).
            if (from != null && from.writable()) {
                from.send(new Close(relay.sessionId(), "no such session on the rendezvous"));
            }
            return;
        }
        Channel target = other.channel();
        // A slow receiver loses packets instead of growing our memory; QUIC retransmits and slows down. Bytes
        // handed to its loop but not yet written count too (docs/architecture.md, "One session, many paths").
        if (!target.isWritable() || other.inFlight().get() > target.config().getWriteBufferHighWaterMark()) {
            registry.metrics.droppedPackets.increment();
            relay.release();
            return;
        }
        counted(session, relay);
        batch.add(other, relay);
    }

    /** Relayed bytes, per session (dashboard) and in all (metrics). */
    private void counted(RelaySession session, Relay relay) {
        int bytes = relay.payload().readableBytes();
        session.relayed(bytes);
        registry.metrics.relayedBytes.add(bytes);
    }

    /** The connection's read batch ended: hand the packets over (see {@link RelayBatch}). */
    public void readComplete() {
        batch.flush();
    }

    /** The connection closed: packets not yet handed over are released. */
    public void closed() {
        batch.release();
    }
}
