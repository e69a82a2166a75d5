package dev.pinhole.peer.punch;

import dev.pinhole.protocol.punch.Probe.Ping;
import dev.pinhole.protocol.punch.Probe.Pong;
import dev.pinhole.protocol.punch.Probe.Role;
import dev.pinhole.protocol.punch.ProbeCodec;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Sends one session's probes and remembers each ping until its pong. A pong counts only if it answers a ping
 * this side sent, from the socket the ping went out on and the address it went to (docs/direct-paths.md,
 * "Probes"). Rounds, triggered checks and the direct path's keepalives share it, so a pong is matched
 * whichever of them sent the ping.
 */
final class Prober {
    /** Pings to known addresses, pongs and keepalives are as large as a QUIC packet; guesses are small. */
    static final int PADDED = ProbeCodec.MAX_DATAGRAM;

    /** A ping awaiting its pong; {@code padded}: it was as large as a QUIC packet. */
    record Sent(Channel socket, InetSocketAddress to, long atNanos, boolean padded) {}

    private final int sessionId;
    private final Role role;
    private final ProbeCodec codec;
    private final Punch.Env env;
    /** Bounded: a guessing round leaves up to {@link PunchPlan#MAX_GUESSES} pings unanswered; the eldest go first. */
    private final Map<Long, Sent> outstanding = new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Sent> eldest) {
            return size() > 4 * PunchPlan.MAX_GUESSES;
        }
    };
    private long nextTxid;

    Prober(int sessionId, Role role, ProbeCodec codec, Punch.Env env, long firstTxid) {
        this.sessionId = sessionId;
        this.role = role;
        this.codec = codec;
        this.env = env;
        this.nextTxid = firstTxid;
    }

    /** Pings {@code to} from {@code socket}, padded to {@code padTo} bytes (0: not padded). */
    void ping(Channel socket, InetSocketAddress to, int padTo) {
        long txid = nextTxid++;
        outstanding.put(txid, new Sent(socket, to, env.nanoTime(), padTo > 0));
        env.send(socket, to, codec.encode(new Ping(sessionId, role, txid), ByteBufAllocator.DEFAULT, padTo));
    }

    /** Answers {@code ping}, which came from {@code from}, on the socket it arrived on (padded). */
    void pong(Channel socket, InetSocketAddress from, Ping ping) {
        env.send(socket, from, codec.encode(new Pong(sessionId, role, ping.txid(), from), ByteBufAllocator.DEFAULT, PADDED));
    }

    /**
     * The ping {@code pong} answers, if it went out on {@code socket} to {@code from}; null otherwise. Either way
     * its ping no longer counts: a pong counts once.
     */
    Sent answered(Pong pong, Channel socket, InetSocketAddress from) {
        Sent sent = outstanding.remove(pong.txid());
        if (sent == null || sent.socket() != socket || !sent.to().equals(from)) {
            return null;
        }
        return sent;
    }
}
