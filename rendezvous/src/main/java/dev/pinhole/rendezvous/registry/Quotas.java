package dev.pinhole.rendezvous.registry;

import dev.pinhole.rendezvous.Limits;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What each identity and each token holds right now (sessions it opened, services it exposes) against
 * {@link Limits}. An entry lives while the identity or token has a connection logged in, so the tables are
 * never larger than the number of live connections (docs/security.md, "Limits: connections, control plane,
 * quotas").
 */
final class Quotas {
    /** Counts of one identity or one token. */
    static final class Usage {
        final AtomicInteger connections = new AtomicInteger();
        final AtomicInteger sessions = new AtomicInteger();
        final AtomicInteger services = new AtomicInteger();

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

    final Limits limits;
    private final Map<String, Usage> byIdentity = new ConcurrentHashMap<>();
    private final Map<String, Usage> byToken = new ConcurrentHashMap<>();

    Quotas(Limits limits) {
        this.limits = limits;
    }

    /** The peer logged in: its identity's and token's usage, shared with its other connections. */
    void login(Peer peer) {
        peer.usage(join(byIdentity, peer.id()), join(byToken, peer.tokenId()));
    }

    void logout(Peer peer) {
        leave(byIdentity, peer.id());
        leave(byToken, peer.tokenId());
    }

    private static Usage join(Map<String, Usage> table, String key) {
        return table.compute(key, (k, usage) -> {
            Usage held = usage == null ? new Usage() : usage;
            held.connections.incrementAndGet();
            return held;
        });
    }

    private static void leave(Map<String, Usage> table, String key) {
        table.computeIfPresent(key, (k, usage) -> usage.connections.decrementAndGet() == 0 ? null : usage);
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
