package dev.pinhole.peer.punch;

import dev.pinhole.protocol.ControlMessage.Candidates;
import dev.pinhole.protocol.punch.Probe;
import dev.pinhole.protocol.punch.Probe.Ping;
import dev.pinhole.protocol.punch.Probe.Pong;
import dev.pinhole.protocol.punch.Probe.Role;
import dev.pinhole.protocol.punch.ProbeCodec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.random.RandomGenerator;

/**
 * The direct-path state machine of one session: punch rounds, keepalive, fallback and retries. All
 * input comes through its methods and all effects go through {@link Env}, on the peer's event loop;
 * the clock and the timers are the environment's, so tests drive it with a fake one.
 *
 * <p>A round: the side that starts it sends its {@link Candidates} through the rendezvous (the other
 * side answers with its own and starts probing too); both sides then ping the other's addresses as the
 * {@link PunchPlan} says. A ping is answered with a pong from the socket it arrived on, and answered
 * pings trigger a ping back (ICE's triggered checks), so a pinhole opened by one side is used at once.
 * The first pong to a padded ping (both as large as the session's QUIC packets), which proves the path
 * both ways for full-size packets, makes it the session's path; a pong to a small probe (a guess) is
 * first confirmed with a padded ping. Then the QUIC-level check: once the other side has had time to
 * switch too, QUIC packets must be arriving over the direct path, or the session goes back to the
 * relay. Only the connector starts rounds (on connect, and on retries); the exposer answers.
 */
public final class Punch {
    /** Pacing of pings to each target: ICE's Ta is 50 ms across all checks; we have few targets. */
    static final long PING_EVERY_MILLIS = 200;
    /** A round's length; a guessing round needs MAX_GUESSES / GUESSES_PER_TICK * GUESS_EVERY_MILLIS = 5.1 s. */
    static final long ROUND_MILLIS = 6_000;
    /** 400 guesses per second: paced, and fast enough for a match within 3 s nearly always. */
    static final long GUESS_EVERY_MILLIS = 5;
    static final int GUESSES_PER_TICK = 2;
    /** Extra sockets re-ping the other side this often to keep their new mappings alive. */
    static final long EXTRA_PING_EVERY_MILLIS = 2_000;
    /** Keepalive on a direct path: below every common UDP mapping timeout (30 s and up); iroh uses 5 s. */
    static final long KEEPALIVE_MILLIS = 5_000;
    /** A direct path with no pong for this long is dead (three keepalives); iroh: 15 s idle. */
    static final long DEAD_MILLIS = 15_000;
    /**
     * A busy direct path is watched closely: QUIC that is sending always hears something back (acks, data),
     * so when it sent in the last {@value #SILENT_MILLIS} ms and nothing at all came back over the path in
     * that time, a ping goes out at once, and without a pong {@value #SUSPECT_MILLIS} ms later the path is
     * dead: a transfer falls back in about 4 s instead of {@value #DEAD_MILLIS} ms (whose silence also grows
     * QUIC's retransmission backoff, stalling it further once on the relay). QUIC arriving over the relay
     * while the direct path said nothing for a second means the other side has left it: the same ping asks
     * at once (the receiving side of a transfer sends too little to look busy). An idle path keeps the
     * keepalive rhythm above and costs nothing more.
     */
    static final long WATCH_MILLIS = 1_000;
    static final long SILENT_MILLIS = 2_000;
    static final long SUSPECT_MILLIS = 1_500;
    /** Retries after a failed round or a dead path: 5 s doubling to 30 s (Tailscale re-tries every 60 s). */
    static final long FIRST_RETRY_MILLIS = 5_000;
    static final long MAX_RETRY_MILLIS = 30_000;
    /** Ports the guessing side tries: NATs allocate above the well-known range. */
    static final int LOWEST_PORT = 1024;
    /** Pings to known addresses, pongs and keepalives are as large as a QUIC packet; guesses are small. */
    static final int PADDED = ProbeCodec.MAX_DATAGRAM;
    /**
     * The QUIC-level check: from {@value #CHECK_FROM_MILLIS} ms after the switch (time for the other side to
     * switch too) to {@value #CHECK_AT_MILLIS} ms, QUIC packets that keep coming over the relay but never over
     * the direct path mean it carries probes but not QUIC (a middlebox, an MTU problem): back to the relay.
     */
    static final long CHECK_FROM_MILLIS = 1_000;
    static final long CHECK_AT_MILLIS = 4_000;
    /** Relay packets in the check window that make "none came direct" meaningful (an idle session sends none). */
    static final long CHECK_MIN_RELAY_PACKETS = 3;

    /** What a punch needs from the outside world. Called on the event loop. */
    public interface Env {
        long nanoTime();

        Future<?> schedule(Runnable task, long delayMillis);

        Reflexive.Result local();

        /** Asks STUN again (the public address may have changed, or was unknown), then runs {@code then}. */
        void refreshLocal(Runnable then);

        /** This peer's interface addresses, with its main socket's port. */
        List<InetSocketAddress> hosts();

        Channel mainSocket();

        void sendCandidates(Candidates candidates);

        /** Opens {@code count} extra UDP sockets (datagrams they receive come back through {@link #received}). */
        void openSockets(int count, java.util.function.Consumer<List<Channel>> opened);

        void closeSocket(Channel socket);

        void send(Channel socket, InetSocketAddress to, ByteBuf datagram);

        /** Accepts QUIC packets from {@code remote} on {@code socket} as this session's. */
        void allow(Channel socket, InetSocketAddress remote);

        /** Moves the session to the direct path. */
        void direct(Channel socket, InetSocketAddress remote, double rttMillis);

        /** Moves the session back to the relay. */
        void relay(String why);

        /** A keepalive on the direct path came back after {@code rttMillis}. */
        default void measured(double rttMillis) {}

        /** QUIC packets received for this session so far: {over the relay, over direct paths}. */
        long[] quicReceived();

        /** Sends of QUIC packets this session made over direct paths so far. */
        default long quicSentDirect() {
            return 0;
        }
    }

    private record Sent(Channel socket, InetSocketAddress to, long atNanos, boolean padded) {}

    private final int sessionId;
    private final Role role;
    private final ProbeCodec codec;
    private final Env env;
    private final RandomGenerator random;
    private final Map<Long, Sent> outstanding = new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Sent> eldest) {
            return size() > 4 * PunchPlan.MAX_GUESSES;
        }
    };
    private final List<Future<?>> roundTimers = new ArrayList<>();
    private final List<Channel> extra = new ArrayList<>();
    private Candidates remote;
    private PunchPlan plan;
    private boolean inRound;
    private int guesses;
    private long nextTxid;
    private Channel directSocket;
    private InetSocketAddress directRemote;
    private long lastHeard;
    private Future<?> keepalive;
    private Future<?> watch;
    /** The watch's last look: QUIC sends and receipts on direct paths. */
    private long watchedSent;
    private long watchedReceived;
    private long watchedRelayed;
    private long adoptedAt;
    /** When the watch pinged a silent busy path (0: it did not). */
    private long suspectSince;
    /** When QUIC last sent over the direct path (as the watch saw it). */
    private long lastSent;
    private Future<?> retry;
    private Future<?> check;
    private long retryMillis = FIRST_RETRY_MILLIS;
    private int rounds;
    private boolean closed;

    public Punch(int sessionId, Role role, ProbeCodec codec, Env env, RandomGenerator random) {
        this.sessionId = sessionId;
        this.role = role;
        this.codec = codec;
        this.env = env;
        this.random = random;
        this.nextTxid = random.nextLong();
    }

    /** Starts a round: tells the other side where to probe, and probes it if its addresses are known. */
    public void start() {
        if (closed || inRound || directSocket != null) {
            return;
        }
        inRound = true;
        rounds++;
        Reflexive.Result local = env.local();
        // Predicted ports travel with the host addresses: to the other side they are all "also try these".
        List<InetSocketAddress> hosts = new ArrayList<>(env.hosts());
        local.predicted().stream().limit(dev.pinhole.protocol.ControlCodec.MAX_CANDIDATES - hosts.size()).forEach(hosts::add);
        env.sendCandidates(new Candidates(sessionId, local.hard(), local.reflexive(), List.copyOf(hosts)));
        roundTimers.add(env.schedule(this::endRound, ROUND_MILLIS));
        if (remote != null) {
            probe();
        }
    }

    /** The other side's addresses arrived: answer with ours (if not in a round yet) and probe. */
    public void candidates(Candidates candidates) {
        if (closed) {
            return;
        }
        boolean wasInRound = inRound;
        remote = candidates;
        if (!wasInRound) {
            start();
        } else if (plan == null) {
            probe();
        } else {
            plan = PunchPlan.make(env.local().hard(), remote); // fresher addresses for the rest of the round
        }
    }

    private void probe() {
        plan = PunchPlan.make(env.local().hard(), remote);
        pingTargets(0);
        if (plan.sockets() > 0 && remote.reflexive() != null) {
            env.openSockets(plan.sockets(), sockets -> {
                if (!inRound || directSocket != null || closed) {
                    sockets.forEach(env::closeSocket);
                    return;
                }
                extra.addAll(sockets);
                pingExtra();
            });
        }
        if (plan.guessAt() != null) {
            guesses = 0;
            guess();
        }
    }

    private void pingTargets(int tick) {
        if (!inRound || directSocket != null) {
            return;
        }
        for (InetSocketAddress target : plan.targets()) {
            ping(env.mainSocket(), target, PADDED);
        }
        roundTimers.add(env.schedule(() -> pingTargets(tick + 1), PING_EVERY_MILLIS));
    }

    private void pingExtra() {
        if (!inRound || directSocket != null) {
            return;
        }
        for (Channel socket : extra) {
            ping(socket, remote.reflexive(), 0); // 256 sockets: small, they only open mappings
        }
        roundTimers.add(env.schedule(this::pingExtra, EXTRA_PING_EVERY_MILLIS));
    }

    private void guess() {
        if (!inRound || directSocket != null || guesses >= plan.guesses()) {
            return;
        }
        for (int i = 0; i < GUESSES_PER_TICK && guesses < plan.guesses(); i++, guesses++) {
            int port = LOWEST_PORT + random.nextInt(65_536 - LOWEST_PORT);
            ping(env.mainSocket(), new InetSocketAddress(plan.guessAt(), port), 0);
        }
        roundTimers.add(env.schedule(this::guess, GUESS_EVERY_MILLIS));
    }

    private void ping(Channel socket, InetSocketAddress to, int padTo) {
        long txid = nextTxid++;
        outstanding.put(txid, new Sent(socket, to, env.nanoTime(), padTo > 0));
        env.send(socket, to, codec.encode(new Ping(sessionId, role, txid), ByteBufAllocator.DEFAULT, padTo));
    }

    /**
     * An authenticated probe for this session arrived on {@code socket} from {@code from};
     * {@code padded}: the datagram was as large as a QUIC packet.
     */
    public void received(Channel socket, InetSocketAddress from, Probe probe, boolean padded) {
        if (closed || probe.from() == role) {
            return; // our own probe reflected back: proves nothing
        }
        if (probe instanceof Ping ping) {
            env.allow(socket, from);
            env.send(socket, from, codec.encode(new Pong(sessionId, role, ping.txid(), from), ByteBufAllocator.DEFAULT, PADDED));
            if (directSocket == null) {
                ping(socket, from, PADDED); // triggered check: the pinhole the other side just opened works now
            }
        } else if (probe instanceof Pong pong) {
            Sent sent = outstanding.remove(pong.txid());
            if (sent == null || sent.socket() != socket || !sent.to().equals(from)) {
                return;
            }
            boolean fullSize = padded && sent.padded();
            if (directSocket == socket && from.equals(directRemote)) {
                if (fullSize) {
                    lastHeard = env.nanoTime();
                    env.measured((lastHeard - sent.atNanos()) / 1e6);
                }
            } else if (directSocket == null) {
                if (fullSize) {
                    adopt(socket, from, (env.nanoTime() - sent.atNanos()) / 1e6);
                } else {
                    ping(socket, from, PADDED); // a small probe got through: do full-size packets?
                }
            }
        }
    }

    private void adopt(Channel socket, InetSocketAddress to, double rttMillis) {
        directSocket = socket;
        directRemote = to;
        lastHeard = env.nanoTime();
        retryMillis = FIRST_RETRY_MILLIS;
        env.allow(socket, to);
        env.direct(socket, to, rttMillis);
        finishRound();
        // A path adopted again soon after a fallback: the old path's timers must not run alongside.
        cancel(keepalive);
        cancel(watch);
        keepalive = env.schedule(this::keepalive, KEEPALIVE_MILLIS);
        watchedSent = env.quicSentDirect();
        watchedReceived = env.quicReceived()[1];
        watchedRelayed = env.quicReceived()[0];
        adoptedAt = lastHeard;
        lastSent = lastHeard;
        suspectSince = 0;
        watch = env.schedule(this::watch, WATCH_MILLIS);
        Channel adopted = socket;
        env.schedule(() -> {
            long[] from = env.quicReceived();
            check = env.schedule(() -> checkQuic(adopted, from), CHECK_AT_MILLIS - CHECK_FROM_MILLIS);
        }, CHECK_FROM_MILLIS);
    }

    /** The QUIC-level check (see {@link #CHECK_FROM_MILLIS}). */
    private void checkQuic(Channel adopted, long[] from) {
        if (closed || directSocket != adopted) {
            return;
        }
        long[] now = env.quicReceived();
        if (now[1] == from[1] && now[0] - from[0] >= CHECK_MIN_RELAY_PACKETS) {
            leaveDirect("the direct path answers probes but carries no QUIC packets");
        }
    }

    private void leaveDirect(String why) {
        Channel socket = directSocket;
        directSocket = null;
        directRemote = null;
        env.relay(why);
        if (socket != env.mainSocket()) {
            env.closeSocket(socket);
        }
        scheduleRetry();
    }

    /**
     * The other peer left the direct path (the rendezvous passed on its report): follow it, rather than send
     * into a path that is dead or that the other side no longer reads. The connector retries as after any fallback.
     */
    public void otherLeft() {
        if (!closed && directSocket != null) {
            leaveDirect("the other peer left the direct path");
        }
    }

    /** See {@link #WATCH_MILLIS}. */
    private void watch() {
        if (closed || directSocket == null) {
            return;
        }
        long now = env.nanoTime();
        long sent = env.quicSentDirect();
        long[] quic = env.quicReceived();
        long received = quic[1];
        boolean relayed = quic[0] != watchedRelayed;
        watchedRelayed = quic[0];
        if (received != watchedReceived) {
            lastHeard = Math.max(lastHeard, now); // QUIC came over the path: it works
        }
        if (sent != watchedSent) {
            lastSent = now;
        }
        watchedSent = sent;
        watchedReceived = received;
        if (suspectSince != 0 && lastHeard >= suspectSince) {
            suspectSince = 0; // answered
        }
        if (suspectSince != 0 && now - suspectSince >= SUSPECT_MILLIS * 1_000_000) {
            leaveDirect("direct path stopped answering while busy ("
                    + String.format(java.util.Locale.ROOT, "%.1f", (now - lastHeard) / 1e9) + " s)");
            return;
        }
        boolean busy = now - lastSent < SILENT_MILLIS * 1_000_000;
        // Until the QUIC-level check is done, relayed QUIC is expected (the other side switches a moment later).
        boolean otherLeft = relayed && now - lastHeard >= WATCH_MILLIS * 1_000_000
                && now - adoptedAt >= CHECK_AT_MILLIS * 1_000_000;
        if (suspectSince == 0 && (otherLeft || busy && now - lastHeard >= SILENT_MILLIS * 1_000_000)) {
            suspectSince = now;
            ping(directSocket, directRemote, PADDED);
        }
        watch = env.schedule(this::watch, WATCH_MILLIS);
    }

    private void keepalive() {
        if (closed || directSocket == null) {
            return;
        }
        if (env.nanoTime() - lastHeard >= DEAD_MILLIS * 1_000_000) {
            leaveDirect("direct path stopped answering for " + DEAD_MILLIS / 1000 + " s");
            return;
        }
        ping(directSocket, directRemote, PADDED);
        keepalive = env.schedule(this::keepalive, KEEPALIVE_MILLIS);
    }

    private void endRound() {
        if (!inRound) {
            return;
        }
        boolean retryWorthIt = plan == null || plan.retry(); // no plan: the other side never answered
        finishRound();
        if (directSocket == null && retryWorthIt) {
            scheduleRetry();
        }
    }

    /** Ends the round: timers stop, extra sockets close (except the one carrying the direct path). */
    private void finishRound() {
        inRound = false;
        plan = null;
        roundTimers.forEach(t -> t.cancel(false));
        roundTimers.clear();
        for (Channel socket : extra) {
            if (socket != directSocket) {
                env.closeSocket(socket);
            }
        }
        extra.clear();
    }

    /** Only the connector starts rounds, so two sides never run two rounds at cross purposes. */
    private void scheduleRetry() {
        if (role != Role.CONNECTOR || closed) {
            return;
        }
        long delay = retryMillis;
        retryMillis = Math.min(retryMillis * 2, MAX_RETRY_MILLIS);
        retry = env.schedule(() -> env.refreshLocal(this::start), delay);
    }

    public boolean isDirect() {
        return directSocket != null;
    }

    /** Rounds started so far (for status and tests). */
    public int rounds() {
        return rounds;
    }

    public void close() {
        closed = true;
        finishRound();
        cancel(watch);
        cancel(keepalive);
        cancel(retry);
        cancel(check);
        if (directSocket != null && directSocket != env.mainSocket()) {
            env.closeSocket(directSocket);
        }
        directSocket = null;
    }

    private static void cancel(Future<?> timer) {
        if (timer != null) {
            timer.cancel(false);
        }
    }
}
