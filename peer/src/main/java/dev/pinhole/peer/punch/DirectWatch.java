package dev.pinhole.peer.punch;

import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Watches the session's direct path while it has one (docs/direct-paths.md, "Timers (and why)"): keepalives and
 * the dead-path rule, the busy-silence watch, and the QUIC-level check after the switch. It only judges the path;
 * {@link Punch} moves the session back to the relay when told the path is dead.
 */
final class DirectWatch {
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
    /**
     * The QUIC-level check: from {@value #CHECK_FROM_MILLIS} ms after the switch (time for the other side to
     * switch too) to {@value #CHECK_AT_MILLIS} ms, QUIC packets that keep coming over the relay but never over
     * the direct path mean it carries probes but not QUIC (a middlebox, an MTU problem): back to the relay.
     */
    static final long CHECK_FROM_MILLIS = 1_000;
    static final long CHECK_AT_MILLIS = 4_000;
    /**
     * The check's window opens once both sides are on the path: from the switch if the other side's report
     * (PathReport, through the rendezvous) came first, else from that report. A busy machine can take seconds to
     * switch its side, and judging before then killed good paths (docs/direct-paths.md). Without a report for
     * {@value #OTHER_WAIT_MILLIS} ms while QUIC keeps coming over the relay and none directly, the other side
     * is not coming: back to the relay.
     */
    static final long OTHER_WAIT_MILLIS = 10_000;
    /** Relay packets in the check window that make "none came direct" meaningful (an idle session sends none). */
    static final long CHECK_MIN_RELAY_PACKETS = 3;

    private final Punch.Env env;
    private final Prober prober;
    /** Told why, when the path is dead. */
    private final Consumer<String> dead;
    private Channel socket;
    private InetSocketAddress remote;
    private long lastHeard;
    private Future<?> keepalive;
    private Future<?> watch;
    /** The watch's last look: QUIC sends and receipts on direct paths, and receipts over the relay. */
    private long watchedSent;
    private long watchedReceived;
    private long watchedRelayed;
    /** When the QUIC-level check's window opened (both sides on the path). */
    private long checkFrom;
    /** When the watch pinged a silent busy path (0: it did not). */
    private long suspectSince;
    /** When QUIC last sent over the direct path (as the watch saw it). */
    private long lastSent;
    private Future<?> check;
    /** Whether the other side said it is on a direct path (and has not said it left since). */
    private boolean otherOn;
    /** Whether the QUIC-level check is under way for the adopted path. */
    private boolean checking;

    DirectWatch(Punch.Env env, Prober prober, Consumer<String> dead) {
        this.env = env;
        this.prober = prober;
        this.dead = dead;
    }

    /** The session is moving to this path, which was just heard from; {@link #start} follows once it has. */
    void adopt(Channel socket, InetSocketAddress remote) {
        this.socket = socket;
        this.remote = remote;
        lastHeard = env.nanoTime();
    }

    /** Starts watching the adopted path. */
    void start() {
        // A path adopted again soon after a fallback: the old path's timers must not run alongside.
        cancel(keepalive);
        cancel(watch);
        keepalive = env.schedule(this::keepalive, KEEPALIVE_MILLIS);
        watchedSent = env.quicSentDirect();
        watchedReceived = env.quicReceived()[1];
        watchedRelayed = env.quicReceived()[0];
        lastSent = lastHeard;
        suspectSince = 0;
        watch = env.schedule(this::watch, WATCH_MILLIS);
        cancel(check);
        checking = false;
        Channel adopted = socket;
        if (otherOn) {
            startCheck();
        } else {
            long[] atSwitch = env.quicReceived();
            check = env.schedule(() -> otherNeverCame(adopted, atSwitch), OTHER_WAIT_MILLIS);
        }
    }

    /** The other side reported being on a direct path ({@code on}) or back on the relay. */
    void otherOn(boolean on) {
        otherOn = on;
        if (on && socket != null && !checking) {
            cancel(check);
            startCheck();
        }
    }

    /** Opens the QUIC-level check's window (see {@link #CHECK_FROM_MILLIS}): both sides are on the path now. */
    private void startCheck() {
        checking = true;
        checkFrom = env.nanoTime();
        Channel adopted = socket;
        check = env.schedule(() -> {
            long[] from = env.quicReceived();
            check = env.schedule(() -> checkQuic(adopted, from), CHECK_AT_MILLIS - CHECK_FROM_MILLIS);
        }, CHECK_FROM_MILLIS);
    }

    /** See {@link #OTHER_WAIT_MILLIS}. */
    private void otherNeverCame(Channel adopted, long[] from) {
        if (socket != adopted || checking) {
            return;
        }
        long[] now = env.quicReceived();
        if (now[1] == from[1] && now[0] - from[0] >= CHECK_MIN_RELAY_PACKETS) {
            dead.accept("the other peer did not move to the direct path within " + OTHER_WAIT_MILLIS / 1000 + " s");
        } else {
            checking = true; // QUIC came directly (its report is late), or the session is idle: nothing to judge
            checkFrom = env.nanoTime() - CHECK_AT_MILLIS * 1_000_000;
        }
    }

    /** Whether the session is on a direct path. */
    boolean isOn() {
        return socket != null;
    }

    /** Whether a probe on {@code socket} from {@code from} came over the direct path. */
    boolean carries(Channel socket, InetSocketAddress from) {
        return this.socket == socket && from.equals(remote);
    }

    /** A pong over the path answered {@code sent}; {@code fullSize}: both were as large as a QUIC packet. */
    void answered(Prober.Sent sent, boolean fullSize) {
        if (fullSize) {
            lastHeard = env.nanoTime();
            env.measured((lastHeard - sent.atNanos()) / 1e6);
        }
    }

    /** The session leaves the path: returns its socket. Timers still pending find no path and stop. */
    Channel leave() {
        Channel left = socket;
        socket = null;
        remote = null;
        otherOn = false; // the next path is judged from the other side's next report
        checking = false;
        cancel(check);
        return left;
    }

    /** Stops every timer and forgets the path; returns its socket (null if none). */
    Channel close() {
        cancel(watch);
        cancel(keepalive);
        cancel(check);
        return leave();
    }

    /** The QUIC-level check (see {@link #CHECK_FROM_MILLIS}). */
    private void checkQuic(Channel adopted, long[] from) {
        if (socket != adopted) {
            return;
        }
        long[] now = env.quicReceived();
        if (now[1] == from[1] && now[0] - from[0] >= CHECK_MIN_RELAY_PACKETS) {
            dead.accept("the direct path answers probes but carries no QUIC packets");
        }
    }

    /** See {@link #WATCH_MILLIS}. */
    private void watch() {
        if (socket == null) {
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
            dead.accept("direct path stopped answering while busy ("
                    + String.format(Locale.ROOT, "%.1f", (now - lastHeard) / 1e9) + " s)");
            return;
        }
        boolean busy = now - lastSent < SILENT_MILLIS * 1_000_000;
        // Until the QUIC-level check is done, relayed QUIC is expected (the other side switches a moment later).
        boolean otherLeft = relayed && checking && now - lastHeard >= WATCH_MILLIS * 1_000_000
                && now - checkFrom >= CHECK_AT_MILLIS * 1_000_000;
        if (suspectSince == 0 && (otherLeft || busy && now - lastHeard >= SILENT_MILLIS * 1_000_000)) {
            suspectSince = now;
            prober.ping(socket, remote, Prober.PADDED);
        }
        watch = env.schedule(this::watch, WATCH_MILLIS);
    }

    private void keepalive() {
        if (socket == null) {
            return;
        }
        if (env.nanoTime() - lastHeard >= DEAD_MILLIS * 1_000_000) {
            dead.accept("direct path stopped answering for " + DEAD_MILLIS / 1000 + " s");
            return;
        }
        prober.ping(socket, remote, Prober.PADDED);
        keepalive = env.schedule(this::keepalive, KEEPALIVE_MILLIS);
    }

    private static void cancel(Future<?> timer) {
        if (timer != null) {
            timer.cancel(false);
        }
    }
}
