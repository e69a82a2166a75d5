package dev.pinhole.rendezvous.registry;

import dev.pinhole.rendezvous.Limits;
import java.time.Clock;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What each identity and each token holds right now (sessions it opened, services it exposes) and how fast it may
 * ask (its Open and Candidates buckets), against {@link Limits}. An entry lives while the identity or token has a
 * connection logged in, and after its last one closes only until its buckets are full again (a reconnect must not
 * refill them); so the tables hold the live connections' keys plus those that logged out within the last
 * {@link #restMillis} (docs/security.md, "Limits: connections, control plane, quotas").
 */
final class Quotas {
    /** Counts and rate buckets of one identity or one token, shared by its connections on either event loop. */
    static final class Usage {
        final AtomicInteger connections = new AtomicInteger();
        final AtomicInteger sessions = new AtomicInteger();
        final AtomicInteger services = new AtomicInteger();
        final TokenBucket opens;
        final TokenBucket signals;

        /** @param factor 1 for an identity, {@link Limits#TOKEN_FACTOR} for a token */
        Usage(Limits limits, int factor, long nowMillis) {
            opens = new TokenBucket(limits.openRate() * factor, limits.openBurst() * factor, nowMillis);
            signals = new TokenBucket(limits.candidatesRate() * factor, limits.openBurst() * factor, nowMillis);
        }

        /** No connection, no session, no service, buckets full: nothing is lost by forgetting it. */
        boolean idle(long nowMillis) {
            return connections.get() == 0 && sessions.get() == 0 && services.get() == 0
                    && opens.full(nowMillis) && signals.full(nowMillis);
        }

        /** Takes one of {@code counter} if fewer than {@code limit} are taken. */
        static boolean tryTake(AtomicInteger counter, int limit) {
            while (true) {
                int now = counter.get();
                if (now >= limit) {
                    return false;
                }
                if (counter.compareAndSet(now, now + 1)) {
                    return true;
                }
            }
        }
    }

    /** A key whose last connection closed at {@code since}, to forget once its buckets are full. */
    private record Leaving(Map<String, Usage> table, String key, long since) {}

    final Limits limits;
    private final Clock clock;
    private final Map<String, Usage> byIdentity = new ConcurrentHashMap<>();
    private final Map<String, Usage> byToken = new ConcurrentHashMap<>();
    private final Queue<Leaving> leaving = new ConcurrentLinkedQueue<>();
    /** The longest an emptied bucket takes to fill again: burst / rate (2 s with the defaults). */
    private final long restMillis;

    Quotas(Limits limits, Clock clock) {
        this.limits = limits;
        this.clock = clock;
        this.restMillis = (long) Math.ceil(1000 * limits.openBurst() / Math.min(limits.openRate(), limits.candidatesRate()));
    }

    /** The peer logged in: its identity's and token's usage, shared with its other connections, past ones included. */
    void login(Peer peer) {
        long now = clock.millis();
        forgetRested(now);
        peer.usage(join(byIdentity, peer.id(), 1, now), join(byToken, peer.tokenId(), Limits.TOKEN_FACTOR, now));
    }

    void logout(Peer peer) {
        long now = clock.millis();
        leave(byIdentity, peer.id(), now);
        leave(byToken, peer.tokenId(), now);
        forgetRested(now);
    }

    private Usage join(Map<String, Usage> table, String key, int factor, long now) {
        return table.compute(key, (k, usage) -> {
            Usage held = usage == null ? new Usage(limits, factor, now) : usage;
            held.connections.incrementAndGet();
            return held;
        });
    }

    private void leave(Map<String, Usage> table, String key, long now) {
        table.computeIfPresent(key, (k, usage) -> {
            usage.connections.decrementAndGet();
            if (usage.idle(now)) {
                return null;
            }
            if (usage.connections.get() == 0) {
                leaving.add(new Leaving(table, key, now));
            }
            return usage;
        });
    }

    /** Forgets keys that left at least {@link #restMillis} ago and have not come back: their buckets are full. */
    private void forgetRested(long now) {
        for (Leaving head; (head = leaving.peek()) != null && now - head.since() >= restMillis; ) {
            if (leaving.remove(head)) {
                head.table().computeIfPresent(head.key(), (k, usage) -> usage.idle(now) ? null : usage);
            }
        }
    }

    /** How many identities and tokens are remembered (live ones and those resting), for tests. */
    int remembered() {
        return byIdentity.size() + byToken.size();
    }

    /** An Open the connector may make now, counted in both buckets; or the limit it would break, for the Error. */
    String takeOpen(Peer connector) {
        long now = clock.millis();
        if (!connector.identityUsage().opens.tryTake(now)) {
            return "Open rate: " + limits.openRate() + " per second, " + limits.openBurst() + " at once (limit per"
                    + " identity, --open-rate and --open-burst); try again in a second";
        }
        if (!connector.tokenUsage().opens.tryTake(now)) {
            connector.identityUsage().opens.giveBack();
            return "Open rate: " + limits.openRate() * Limits.TOKEN_FACTOR + " per second, "
                    + limits.openBurst() * Limits.TOKEN_FACTOR + " at once (limit per token, " + Limits.TOKEN_FACTOR
                    + " x --open-rate and --open-burst); try again in a second";
        }
        return null;
    }

    /** Whether a Candidates (or a path report passed on) from {@code from} is within its identity's and token's rate. */
    boolean takeSignal(Peer from) {
        long now = clock.millis();
        if (!from.identityUsage().signals.tryTake(now)) {
            return false;
        }
        if (!from.tokenUsage().signals.tryTake(now)) {
            from.identityUsage().signals.giveBack();
            return false;
        }
        return true;
    }

    /** A session the connector may open, counted; or the limit it would break, for the Error. */
    String takeSession(Peer connector) {
        if (!Usage.tryTake(connector.identityUsage().sessions, limits.sessionsPerPeer())) {
            return "sessions open at once: " + limits.sessionsPerPeer() + " (limit per peer; close some, or ask the operator"
                    + " to raise --max-sessions-per-peer)";
        }
        int perToken = limits.sessionsPerPeer() * Limits.TOKEN_FACTOR;
        if (!Usage.tryTake(connector.tokenUsage().sessions, perToken)) {
            connector.identityUsage().sessions.decrementAndGet();
            return "sessions open at once: " + perToken + " (limit per token, " + Limits.TOKEN_FACTOR
                    + " x --max-sessions-per-peer; close some)";
        }
        return null;
    }

    void releaseSession(Peer connector) {
        connector.identityUsage().sessions.decrementAndGet();
        connector.tokenUsage().sessions.decrementAndGet();
    }

    /** One more service for the peer, counted; or the limit it would break. */
    String takeService(Peer peer) {
        if (!Usage.tryTake(peer.identityUsage().services, limits.servicesPerPeer())) {
            return "services exposed at once: " + limits.servicesPerPeer() + " (limit per peer; ask the operator to raise"
                    + " --max-services-per-peer)";
        }
        int perToken = limits.servicesPerPeer() * Limits.TOKEN_FACTOR;
        if (!Usage.tryTake(peer.tokenUsage().services, perToken)) {
            peer.identityUsage().services.decrementAndGet();
            return "services exposed at once: " + perToken + " (limit per token, " + Limits.TOKEN_FACTOR
                    + " x --max-services-per-peer)";
        }
        return null;
    }

    void releaseService(Peer peer) {
        peer.identityUsage().services.decrementAndGet();
        peer.tokenUsage().services.decrementAndGet();
    }
}
