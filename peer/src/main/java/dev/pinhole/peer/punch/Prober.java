package dev.pinhole.peer.punch;

import dev.pinhole.protocol.ControlMessage.Candidates;
import dev.pinhole.protocol.punch.CandidateRules;
import dev.pinhole.protocol.punch.Probe.Ping;
import dev.pinhole.protocol.punch.Probe.Pong;
import dev.pinhole.protocol.punch.Probe.Role;
import dev.pinhole.protocol.punch.ProbeCodec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Sends one session's probes and remembers each ping until its pong. A pong counts only if it answers a ping
 * this side sent, from the socket the ping went out on and the address it went to (docs/direct-paths.md,
 * "Probes"). Rounds, triggered checks and the direct path's keepalives share it, so a pong is matched
 * whichever of them sent the ping.
 *
 * <p>It also keeps a peer from being used as a weapon (docs/security.md, "Limits: hole punching and STUN"): a
 * pong is never larger than its ping; pings are padded only to verified addresses (ones that answered a ping)
 * and to the other side's reflexive IP, which the rendezvous vouched for;
 * probes to anything else draw on the session's and the node's {@link ProbeBudget}; a ping is answered once
 * (replays within a window of {@value #REPLAY_WINDOW} transaction ids are dropped).
 */
final class Prober {
    /** Pings to verified addresses, their pongs and keepalives are as large as a QUIC packet. */
    static final int PADDED = ProbeCodec.MAX_DATAGRAM;
    /** Every ping is at least as large as the largest pong, so a pong to it is never larger. */
    static final int SMALL = ProbeCodec.MAX_LENGTH;
    /**
     * Ping transaction ids remembered against replay: the other side numbers its pings in order; 1024 covers
     * 2.5 s of guesses at 400/s arriving out of order across paths, far more reordering than UDP sees.
     */
    static final int REPLAY_WINDOW = 1024;
    /** Verified addresses remembered: a session has a direct path and a few candidates, not hundreds. */
    static final int MAX_VERIFIED = 16;

    /** A ping awaiting its pong; {@code padded}: it was as large as a QUIC packet. */
    record Sent(Channel socket, InetSocketAddress to, long atNanos, boolean padded) {}

    private record Target(Channel socket, InetSocketAddress to) {}

    private final int sessionId;
    private final Role role;
    private final ProbeCodec codec;
    private final Punch.Env env;
    private final ProbeBudget session = new ProbeBudget(ProbeBudget.SESSION_BYTES_PER_SECOND);
    private final ProbeBudget node;
    /** Bounded: a guessing round leaves up to {@link PunchPlan#MAX_GUESSES} pings unanswered; the eldest go first. */
    private final Map<Long, Sent> outstanding = new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Sent> eldest) {
            return size() > 4 * PunchPlan.MAX_GUESSES;
        }
    };
    /** Addresses that answered a ping of ours (with the session's MAC, to our transaction id): the partner's. */
    private final Set<Target> verified = new LinkedHashSet<>();
    private Candidates remote;
    private long nextTxid;
    /** Replay window over the other side's ping ids: the highest seen, and bit i set when highest - i was seen. */
    private long highestPing;
    private final long[] seenPings = new long[REPLAY_WINDOW / 64];
    private boolean anyPing;

    Prober(int sessionId, Role role, ProbeCodec codec, Punch.Env env, long firstTxid) {
        this.sessionId = sessionId;
        this.role = role;
        this.codec = codec;
        this.env = env;
        this.node = env.nodeBudget();
        this.nextTxid = firstTxid;
    }

    /** The other side's checked candidates: the ones on its reflexive IP the rendezvous vouched for. */
    void remote(Candidates candidates) {
        remote = candidates;
    }

    /**
     * Pings {@code to} from {@code socket}, padded to {@code padTo} bytes if {@code to} is verified or on the
     * reflexive IP the rendezvous vouched for (else {@link #SMALL}); nothing goes out to an unverified address
     * when the budget is spent.
     */
    void ping(Channel socket, InetSocketAddress to, int padTo) {
        boolean known = verified(socket, to);
        boolean mayPad = known || remote != null && CandidateRules.onReflexiveIp(remote, to);
        int size = mayPad ? Math.max(padTo, SMALL) : SMALL;
        if (!known && !take(size)) {
            return;
        }
        long txid = nextTxid++;
        outstanding.put(txid, new Sent(socket, to, env.nanoTime(), size > SMALL));
        env.send(socket, to, codec.encode(new Ping(sessionId, role, txid), ByteBufAllocator.DEFAULT, size));
    }

    /**
     * Answers {@code ping}, which came from {@code from} in a datagram of {@code length} bytes, on the socket it
     * arrived on, with a pong of the same size: none if the pong would be larger, or the ping is a replay.
     * Returns whether it answered.
     */
    boolean pong(Channel socket, InetSocketAddress from, Ping ping, int length) {
        if (!fresh(ping.txid())) {
            return false;
        }
        ByteBuf pong = codec.encode(new Pong(sessionId, role, ping.txid(), from), ByteBufAllocator.DEFAULT,
                Math.min(length, PADDED));
        if (pong.readableBytes() > length || !verified(socket, from) && !take(pong.readableBytes())) {
            pong.release();
            return false;
        }
        env.send(socket, from, pong);
        return true;
    }

    /**
     * The ping {@code pong} answers, if it went out on {@code socket} to {@code from}; null otherwise. Either way
     * its ping no longer counts: a pong counts once. An answered address is verified from then on.
     */
    Sent answered(Pong pong, Channel socket, InetSocketAddress from) {
        Sent sent = outstanding.remove(pong.txid());
        if (sent == null || sent.socket() != socket || !sent.to().equals(from)) {
            return null;
        }
        Target target = new Target(socket, from);
        verified.remove(target);
        verified.add(target);
        if (verified.size() > MAX_VERIFIED) {
            verified.remove(verified.iterator().next());
        }
        return sent;
    }

    boolean verified(Channel socket, InetSocketAddress to) {
        return verified.contains(new Target(socket, to));
    }

    /** Forgets what was verified through {@code socket} (it is being closed). */
    void forget(Channel socket) {
        verified.removeIf(target -> target.socket() == socket);
    }

    private boolean take(int bytes) {
        long now = env.nanoTime();
        if (!session.take(now, bytes)) {
            return false;
        }
        if (!node.take(now, bytes)) {
            session.giveBack(bytes);
            return false;
        }
        return true;
    }

    /** Whether the other side's ping {@code txid} is new (and remembers it); ids below the window are not. */
    private boolean fresh(long txid) {
        if (!anyPing) {
            anyPing = true;
            highestPing = txid;
            seenPings[0] = 1;
            return true;
        }
        long ahead = txid - highestPing; // wraps like the sender's counter
        if (ahead > 0) {
            shift(ahead);
            highestPing = txid;
            seenPings[0] |= 1;
            return true;
        }
        long behind = -ahead;
        if (behind >= REPLAY_WINDOW) {
            return false;
        }
        int word = (int) (behind / 64);
        long bit = 1L << (behind % 64);
        if ((seenPings[word] & bit) != 0) {
            return false;
        }
        seenPings[word] |= bit;
        return true;
    }

    /** Moves the window up by {@code by} ids: bit i becomes bit i + by. */
    private void shift(long by) {
        if (by >= REPLAY_WINDOW) {
            Arrays.fill(seenPings, 0);
            return;
        }
        int words = (int) (by / 64);
        int bits = (int) (by % 64);
        for (int i = seenPings.length - 1; i >= 0; i--) {
            long from = i - words >= 0 ? seenPings[i - words] : 0;
            long carry = bits > 0 && i - words - 1 >= 0 ? seenPings[i - words - 1] >>> (64 - bits) : 0;
            seenPings[i] = (from << bits) | carry;
        }
    }
}
