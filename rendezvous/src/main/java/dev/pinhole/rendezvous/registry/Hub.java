package dev.pinhole.rendezvous.registry;

import dev.pinhole.rendezvous.control.PeerConnectionHandler;
import dev.pinhole.rendezvous.ingress.Ingress;
import java.security.SecureRandom;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import dev.pinhole.rendezvous.metrics.Metrics;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Who is online right now: services by name and relay sessions by id. Shared by every connection's
 * handler (they run on different event loops), so everything here is concurrent and small.
 */
public final class Hub {
    /**
     * A relay session between the peer that opened it and the peer that exposes {@code name}; for public
     * ingress the rendezvous itself is the connector: {@code connector} is null and {@code ingress} set.
     * {@code bytes} is the session's own count (sent + received, both paths), as its connector reports it.
     */
    public record RelaySession(int id, String name, PeerConnectionHandler connector, PeerConnectionHandler exposer,
                        long openedAt, LongAdder relayedBytes, AtomicBoolean direct, Ingress ingress, AtomicLong bytes) {
        RelaySession(int id, String name, PeerConnectionHandler connector, PeerConnectionHandler exposer, long openedAt,
                     Ingress ingress) {
            this(id, name, connector, exposer, openedAt, new LongAdder(), new AtomicBoolean(), ingress, new AtomicLong());
        }

        public PeerConnectionHandler other(PeerConnectionHandler one) {
            return one == connector ? exposer : one == exposer ? connector : null;
        }
    }

    public final Map<String, PeerConnectionHandler> services = new ConcurrentHashMap<>();
    public final Map<Integer, RelaySession> sessions = new ConcurrentHashMap<>();
    /** Logged-in peers, for the dashboard. */
    public final Set<PeerConnectionHandler> peers = ConcurrentHashMap.newKeySet();
    public final Metrics metrics = new Metrics();
    public final long startedAt = System.currentTimeMillis();
    /** Public URL of a service by name, or null (set by the server once ingress runs). */
    public volatile java.util.function.Function<String, java.util.List<String>> publicUrls = name -> java.util.List.of();
    private final SecureRandom random = new SecureRandom();
    /** The STUN ports announced in Welcome (0 when STUN is off); set once STUN is listening. */
    public volatile int stunPort;
    public volatile int stunAltPort;

    public RelaySession openSession(String name, PeerConnectionHandler connector, PeerConnectionHandler exposer) {
        return open(name, connector, exposer, null);
    }

    public RelaySession openIngressSession(String name, PeerConnectionHandler exposer, Ingress ingress) {
        RelaySession session = open(name, null, exposer, ingress);
        exposer.sessions().add(session.id());
        return session;
    }

    /** Session ids are random so that a stale peer cannot guess its way into a live session's stream. */
    private RelaySession open(String name, PeerConnectionHandler connector, PeerConnectionHandler exposer, Ingress ingress) {
        while (true) {
            int id = random.nextInt();
            if (id == 0) {
                continue;
            }
            RelaySession session = new RelaySession(id, name, connector, exposer, System.currentTimeMillis(), ingress);
            if (sessions.putIfAbsent(id, session) == null) {
                return session;
            }
        }
    }

    public Optional<RelaySession> removeSession(int id) {
        return Optional.ofNullable(sessions.remove(id));
    }
}
