package dev.pinhole.peer.punch;

import dev.pinhole.protocol.ControlMessage.Candidates;
import dev.pinhole.protocol.punch.CandidateRules;
import dev.pinhole.protocol.punch.Probe;
import dev.pinhole.protocol.punch.Probe.Ping;
import dev.pinhole.protocol.punch.Probe.Pong;
import dev.pinhole.protocol.punch.Probe.Role;
import dev.pinhole.protocol.punch.ProbeCodec;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * The direct-path state machine of one session: it moves the session between the relay and a direct path and
 * decides when to punch again. All input comes through its methods and all effects go through {@link Env}, on
 * the peer's event loop; the clock and the timers are the environment's, so tests drive it with a fake one.
 *
 * <p>It coordinates three parts, the split Tailscale (disco versus endpoint health) and iroh (remote state
 * versus path watcher) make too: a {@link PunchRound} looks for a path (the side that starts it sends its
 * {@link Candidates} through the rendezvous, the other side answers with its own and starts probing too, and
 * both ping the other's addresses as the {@link PunchPlan} says); a {@link DirectWatch} judges the path once the
 * session is on it; a {@link Prober} sends the probes of both and matches pongs to pings. A ping is answered with
 * a pong from the socket it arrived on, and answered pings trigger a ping back (ICE's triggered checks), so a
 * pinhole opened by one side is used at once. The first pong to a padded ping (both as large as the session's
 * QUIC packets), which proves the path both ways for full-size packets, makes it the session's path; a pong to a
 * small probe (a guess) is first confirmed with a padded ping. Only the connector starts rounds (on connect, and
 * on retries); the exposer answers. See docs/direct-paths.md.
 */
public final class Punch {
    /**
     * A ping from one of the other side's host addresses gets a small ping back at most this often per address
     * (docs/direct-paths.md, "Firewalls that only let replies in"): enough to answer each of its rounds, too rare
     * to be worth forging (docs/security.md).
     */
    static final long HOST_TRIGGER_EVERY_MILLIS = 1_000;
    /** Retries after a failed round or a dead path: 5 s doubling to 30 s (Tailscale re-tries every 60 s). */
    static final long FIRST_RETRY_MILLIS = 5_000;
    static final long MAX_RETRY_MILLIS = 30_000;

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
        void openSockets(int count, Consumer<List<Channel>> opened);

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

        /** The node's budget for probes to unverified addresses, shared by its sessions (docs/security.md). */
        default ProbeBudget nodeBudget() {
            return ProbeBudget.NONE;
        }

        /** The node's quota of extra sockets, shared by its sessions (docs/security.md). */
        default SocketQuota socketQuota() {
            return SocketQuota.NONE;
        }

        /** QUIC packets received for this session so far: {over the relay, over direct paths}. */
        long[] quicReceived();

        /** Sends of QUIC packets this session made over direct paths so far. */
        default long quicSentDirect() {
            return 0;
        }
    }

    private final int sessionId;
    private final Role role;
    private final Env env;
    private final RandomGenerator random;
    private final Prober prober;
    private final DirectWatch direct;
    /** The round under way, or null. */
    private PunchRound round;
    /** The other side's addresses, as it last sent them (null until it has). */
    private Candidates remote;
    /** When each host address of {@link #remote} last got a triggered small ping (at most its 8 hosts). */
    private final Map<InetSocketAddress, Long> hostTriggeredAt = new HashMap<>();
    private Future<?> retry;
    private long retryMillis = FIRST_RETRY_MILLIS;
    private int rounds;
    private boolean closed;

    public Punch(int sessionId, Role role, ProbeCodec codec, Env env, RandomGenerator random) {
        this.sessionId = sessionId;
        this.role = role;
        this.env = env;
        this.random = random;
        this.prober = new Prober(sessionId, role, codec, env, random.nextLong());
        this.direct = new DirectWatch(env, prober, this::leaveDirect);
    }

    /** Starts a round: tells the other side where to probe, and probes it if its addresses are known. */
    public void start() {
        if (closed || round != null || direct.isOn()) {
            return;
        }
        round = new PunchRound(sessionId, env, prober, random);
        rounds++;
        round.start(remote, this::roundTimeUp);
    }

    /**
     * The other side's addresses arrived: answer with ours (if not in a round yet) and probe. Only the addresses
     * {@link CandidateRules#checked} keeps are probed, whatever the rendezvous passed on.
     */
    public void candidates(Candidates candidates) {
        if (closed) {
            return;
        }
        candidates = CandidateRules.checked(candidates);
        remote = candidates;
        prober.remote(candidates);
        hostTriggeredAt.keySet().retainAll(candidates.hosts());
        if (round == null) {
            start();
        } else {
            round.candidates(candidates);
        }
    }

    /** As {@link #received(Channel, InetSocketAddress, Probe, int)}, for a datagram padded to a QUIC packet's size or not. */
    public void received(Channel socket, InetSocketAddress from, Probe probe, boolean padded) {
        received(socket, from, probe, padded ? Prober.PADDED : Prober.SMALL);
    }

    /**
     * An authenticated probe for this session arrived on {@code socket} from {@code from}, in a datagram of
     * {@code length} bytes (as large as a QUIC packet: padded).
     */
    public void received(Channel socket, InetSocketAddress from, Probe probe, int length) {
        if (closed || probe.from() == role) {
            return; // our own probe reflected back: proves nothing
        }
        if (probe instanceof Ping ping) {
            if (!prober.pong(socket, from, ping, length)) {
                return; // a replay, a ping smaller than its pong, or over budget: nothing learnt, nothing sent
            }
            env.allow(socket, from);
            // Triggered check (the pinhole the other side just opened works now), only where the rendezvous vouched
            // for the address or it answered us: anywhere else a forged source would buy a second datagram.
            boolean vouched = remote != null && CandidateRules.onReflexiveIp(remote, from);
            if (!direct.isOn() && (vouched || prober.verified(socket, from))) {
                prober.ping(socket, from, Prober.PADDED);
            } else if (!direct.isOn() && remote != null && remote.hosts().contains(from) && hostTriggerDue(from)) {
                // A host address (global IPv6 behind a firewall that only lets replies in, RFC 6092): our round's
                // ping to it went out before its side's ping opened that firewall and was dropped. Ask again now
                // that it is open, small (the rendezvous cannot vouch for the address); its pong leads to a padded ping.
                prober.ping(socket, from, Prober.SMALL);
            }
        } else if (probe instanceof Pong pong) {
            Prober.Sent sent = prober.answered(pong, socket, from);
            if (sent == null) {
                return;
            }
            boolean fullSize = length > Prober.SMALL && sent.padded();
            if (direct.carries(socket, from)) {
                direct.answered(sent, fullSize);
            } else if (!direct.isOn()) {
                if (fullSize) {
                    adopt(socket, from, (env.nanoTime() - sent.atNanos()) / 1e6);
                } else {
                    prober.ping(socket, from, Prober.PADDED); // a small probe got through: do full-size packets?
                }
            }
        }
    }

    /** Whether {@code host} may get a triggered small ping now; takes the turn if so. */
    private boolean hostTriggerDue(InetSocketAddress host) {
        long now = env.nanoTime();
        Long last = hostTriggeredAt.get(host);
        if (last != null && now - last < HOST_TRIGGER_EVERY_MILLIS * 1_000_000) {
            return false;
        }
        hostTriggeredAt.put(host, now);
        return true;
    }

    private void adopt(Channel socket, InetSocketAddress to, double rttMillis) {
        direct.adopt(socket, to);
        retryMillis = FIRST_RETRY_MILLIS;
        env.allow(socket, to);
        env.direct(socket, to, rttMillis);
        endRound(socket);
        direct.start();
    }

    /** The direct path is dead ({@link DirectWatch} says why), or the other peer left it. */
    private void leaveDirect(String why) {
        Channel socket = direct.leave();
        env.relay(why);
        if (socket != env.mainSocket()) {
            prober.forget(socket);
            env.closeSocket(socket);
            env.socketQuota().release(1); // the birthday socket the round kept for the path
        }
        scheduleRetry();
    }

    /**
     * The other peer left the direct path (the rendezvous passed on its report): follow it, rather than send
     * into a path that is dead or that the other side no longer reads. The connector retries as after any fallback.
     */
    public void otherLeft() {
        if (!closed && direct.isOn()) {
            leaveDirect("the other peer left the direct path");
        } else {
            direct.otherOn(false);
        }
    }

    /**
     * The other peer is on a direct path (the rendezvous passed on its report): the QUIC-level check of ours can
     * begin, since QUIC from it can now come directly (DirectWatch#OTHER_WAIT_MILLIS).
     */
    public void otherDirect() {
        if (!closed) {
            direct.otherOn(true);
        }
    }

    private void roundTimeUp() {
        boolean retryWorthIt = round.retryWorthIt();
        endRound(null);
        if (!direct.isOn() && retryWorthIt) {
            scheduleRetry();
        }
    }

    /** Ends the round, if one is under way; its extra sockets close except {@code keep}. */
    private void endRound(Channel keep) {
        if (round != null) {
            PunchRound ended = round;
            round = null;
            ended.end(keep);
        }
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
        return direct.isOn();
    }

    /** Rounds started so far (for status and tests). */
    public int rounds() {
        return rounds;
    }

    public void close() {
        closed = true;
        endRound(null);
        if (retry != null) {
            retry.cancel(false);
        }
        Channel socket = direct.close();
        if (socket != null && socket != env.mainSocket()) {
            env.closeSocket(socket);
            env.socketQuota().release(1);
        }
    }
}
