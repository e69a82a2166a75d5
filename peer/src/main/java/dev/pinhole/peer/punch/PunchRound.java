package dev.pinhole.peer.punch;

import dev.pinhole.protocol.ControlCodec;
import dev.pinhole.protocol.ControlMessage.Candidates;
import dev.pinhole.protocol.punch.CandidateRules;
import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.random.RandomGenerator;

/**
 * One punch round (docs/direct-paths.md, "The plan"): tells the other side where to probe, then probes it as
 * the {@link PunchPlan} says, with paced pings to its addresses, birthday sockets or paced and bounded port
 * guesses, until {@link Punch} ends it: a path was verified, the session closed, or the round's time is up.
 * Its timers, and its extra sockets but the one carrying a new direct path, go with it.
 */
final class PunchRound {
    /** Pacing of pings to each target: ICE's Ta is 50 ms across all checks; we have few targets. */
    static final long PING_EVERY_MILLIS = 200;
    /** A round's length; a guessing round needs MAX_GUESSES / GUESSES_PER_TICK * GUESS_EVERY_MILLIS = 5.1 s. */
    static final long ROUND_MILLIS = 6_000;
    /** 400 guesses per second: paced, and fast enough for a match within 3 s nearly always. */
    static final long GUESS_EVERY_MILLIS = 5;
    static final int GUESSES_PER_TICK = 2;
    /**
     * Host addresses are pinged again for fresher Candidates at most this often: a flood of Candidates (each a few
     * dozen bytes) must not buy one ping each for the addresses in it (docs/security.md).
     */
    static final long HOSTS_AGAIN_MILLIS = 1_000;
    /** Extra sockets re-ping the other side this often to keep their new mappings alive. */
    static final long EXTRA_PING_EVERY_MILLIS = 2_000;
    /** Ports the guessing side tries: NATs allocate above the well-known range. */
    static final int LOWEST_PORT = 1024;

    private final int sessionId;
    private final Punch.Env env;
    private final Prober prober;
    private final RandomGenerator random;
    private final List<Future<?>> timers = new ArrayList<>();
    private final List<Channel> extra = new ArrayList<>();
    private Candidates remote;
    private PunchPlan plan;
    private int guesses;
    /**
     * Host addresses (not on the reflexive address's IP) are pinged once per Candidates that named them: the
     * rendezvous cannot vouch for them, so the bytes one of them gets stay below those of the message that
     * asked for them (docs/security.md, "Limits: hole punching and STUN"); on a LAN one ping is enough.
     */
    private boolean hostsDue;
    private long hostsPingedAt;
    private boolean hostsPinged;
    private boolean ended;

    PunchRound(int sessionId, Punch.Env env, Prober prober, RandomGenerator random) {
        this.sessionId = sessionId;
        this.env = env;
        this.prober = prober;
        this.random = random;
    }

    /**
     * Tells the other side where to probe, and probes it at once if its addresses are known ({@code remote}, from
     * an earlier round; null if none came yet). {@code timeUp} runs when the round's time is up.
     */
    void start(Candidates remote, Runnable timeUp) {
        Reflexive.Result local = env.local();
        // Predicted ports travel with the host addresses: to the other side they are all "also try these".
        List<InetSocketAddress> hosts = new ArrayList<>(env.hosts());
        local.predicted().stream().limit(ControlCodec.MAX_CANDIDATES - hosts.size()).forEach(hosts::add);
        env.sendCandidates(new Candidates(sessionId, local.hard(), local.reflexive(), List.copyOf(hosts)));
        timers.add(env.schedule(() -> {
            if (!ended) {
                timeUp.run();
            }
        }, ROUND_MILLIS));
        this.remote = remote;
        if (remote != null) {
            probe();
        }
    }

    /** The other side's addresses arrived during the round: probe them, or go on with the fresher ones. */
    void candidates(Candidates candidates) {
        remote = candidates;
        if (plan == null) {
            probe();
        } else {
            plan = PunchPlan.make(env.local().hard(), remote); // fresher addresses for the rest of the round
            hostsDue = !hostsPinged || env.nanoTime() - hostsPingedAt >= HOSTS_AGAIN_MILLIS * 1_000_000;
        }
    }

    private void probe() {
        plan = PunchPlan.make(env.local().hard(), remote);
        hostsDue = true;
        pingTargets(0);
        int granted = plan.sockets() > 0 && remote.reflexive() != null ? env.socketQuota().acquire(plan.sockets()) : 0;
        if (granted > 0) {
            env.openSockets(granted, sockets -> {
                env.socketQuota().release(granted - sockets.size()); // the ones that failed to bind
                if (ended) {
                    sockets.forEach(env::closeSocket);
                    env.socketQuota().release(sockets.size());
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
        if (ended) {
            return;
        }
        for (InetSocketAddress target : plan.targets()) {
            if (hostsDue || CandidateRules.onReflexiveIp(remote, target)) {
                prober.ping(env.mainSocket(), target, Prober.PADDED); // small until the address has answered
            }
        }
        if (hostsDue) {
            hostsDue = false;
            hostsPinged = true;
            hostsPingedAt = env.nanoTime();
        }
        timers.add(env.schedule(() -> pingTargets(tick + 1), PING_EVERY_MILLIS));
    }

    private void pingExtra() {
        if (ended) {
            return;
        }
        for (Channel socket : extra) {
            prober.ping(socket, remote.reflexive(), 0); // 256 sockets: small, they only open mappings
        }
        timers.add(env.schedule(this::pingExtra, EXTRA_PING_EVERY_MILLIS));
    }

    private void guess() {
        if (ended || guesses >= plan.guesses()) {
            return;
        }
        for (int i = 0; i < GUESSES_PER_TICK && guesses < plan.guesses(); i++, guesses++) {
            int port = LOWEST_PORT + random.nextInt(65_536 - LOWEST_PORT);
            prober.ping(env.mainSocket(), new InetSocketAddress(plan.guessAt(), port), 0);
        }
        timers.add(env.schedule(this::guess, GUESS_EVERY_MILLIS));
    }

    /** Whether another round is worth it if this one ends without a path. */
    boolean retryWorthIt() {
        return plan == null || plan.retry(); // no plan: the other side never answered
    }

    /** Ends the round: timers stop, extra sockets close except {@code keep} (the one carrying a new direct path). */
    void end(Channel keep) {
        ended = true;
        plan = null;
        timers.forEach(t -> t.cancel(false));
        timers.clear();
        for (Channel socket : extra) {
            if (socket != keep) {
                prober.forget(socket);
                env.closeSocket(socket);
                env.socketQuota().release(1);
            }
        }
        extra.clear();
    }
}
