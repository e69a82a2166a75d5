package dev.pinhole.peer.node;

import dev.pinhole.peer.punch.Punch;
import dev.pinhole.protocol.SessionSecret;
import dev.pinhole.protocol.punch.ProbeCodec;
import dev.pinhole.session.DirectPath;
import dev.pinhole.session.PacketPath;
import dev.pinhole.session.PathMux;
import dev.pinhole.session.RelayPath;
import io.netty.handler.codec.quic.QuicChannel;
import java.net.InetSocketAddress;

/** One session of a node with one other peer: its paths, punch, QUIC connection and what was last printed. */
final class Session {
    final int id;
    final String name;
    final String peerKey;
    final InetSocketAddress virtual;
    final RelayPath relay;
    final ProbeCodec probes;
    /** The mux (and so the socket and QUIC codec) this session's connection lives on. */
    final PathMux mux;
    final long since = System.currentTimeMillis();
    final long openedNanos = System.nanoTime();
    Punch punch;
    QuicChannel quic;
    /** The path last printed for this session. */
    PacketPath announced;
    /** Bytes last reported to the rendezvous (connector only). */
    long reportedBytes;
    /** Why this session will never try a direct path, or null when it does. */
    String relayOnly;
    /**
     * The control connection dropped while this session was direct: it lives on that path alone (the
     * rendezvous no longer knows it and cannot relay it), and ends if the path does.
     */
    boolean withoutRendezvous;
    Runnable onExpiry = () -> {}; // more to undo when the handshake never comes: the connector's pending open

    Session(int id, String name, String peerKey, InetSocketAddress virtual, RelayPath relay, SessionSecret secret,
            PathMux mux) {
        this.id = id;
        this.mux = mux;
        this.name = name;
        this.peerKey = peerKey;
        this.virtual = virtual;
        this.relay = relay;
        this.probes = new ProbeCodec(secret);
    }

    /** Prints the path this session moved to, once per change; {@code why} says why it left a direct one. */
    void announce(Output out, PacketPath path, String why) {
        if (path == announced) {
            return; // the handshake's announcement can come after the punch's
        }
        announced = path;
        String hexId = Integer.toUnsignedString(id, 16);
        // Time since the session was opened: how long the punch took, for users and for bench/direct.sh.
        double elapsed = Math.round((System.nanoTime() - openedNanos) / 1e5) / 10.0;
        if (path instanceof DirectPath direct) {
            double rtt = Math.round(direct.rttMillis() * 100) / 100.0;
            out.event("path", "path: direct " + direct.remote() + " rtt " + rtt + " ms",
                    "path", "direct", "remote", direct.remote(), "rtt_ms", rtt, "peer", peerKey, "session", hexId,
                    "elapsed_ms", elapsed);
        } else {
            String because = why != null ? why : relayOnly;
            out.event("path", "path: relay via " + path.remote() + (because == null ? "" : " (" + because + ")"),
                    "path", "relay", "remote", path.remote(), "rtt_ms", null, "peer", peerKey, "session", hexId,
                    "elapsed_ms", elapsed, "reason", why != null ? why : relayOnly);
        }
    }
}
