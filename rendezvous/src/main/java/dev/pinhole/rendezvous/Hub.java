package dev.pinhole.rendezvous;

import java.security.SecureRandom;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Who is online right now: services by name and relay sessions by id. Shared by every connection's
 * handler (they run on different event loops), so everything here is concurrent and small.
 */
final class Hub {
    /** A relay session between the peer that opened it and the peer that exposes {@code name}. */
    record RelaySession(int id, String name, PeerConnectionHandler connector, PeerConnectionHandler exposer) {
        PeerConnectionHandler other(PeerConnectionHandler one) {
            return one == connector ? exposer : one == exposer ? connector : null;
        }
    }

    final Map<String, PeerConnectionHandler> services = new ConcurrentHashMap<>();
    final Map<Integer, RelaySession> sessions = new ConcurrentHashMap<>();
    final AtomicLong droppedPackets = new AtomicLong();
    final AtomicLong authFailures = new AtomicLong();
    private final SecureRandom random = new SecureRandom();
    /** The STUN ports announced in Welcome (0 when STUN is off); set once STUN is listening. */
    volatile int stunPort;
    volatile int stunAltPort;

    /** Session ids are random so that a stale peer cannot guess its way into a live session's stream. */
    RelaySession openSession(String name, PeerConnectionHandler connector, PeerConnectionHandler exposer) {
        while (true) {
            int id = random.nextInt();
            if (id == 0) {
                continue;
            }
            RelaySession session = new RelaySession(id, name, connector, exposer);
            if (sessions.putIfAbsent(id, session) == null) {
                return session;
            }
        }
    }

    Optional<RelaySession> removeSession(int id) {
        return Optional.ofNullable(sessions.remove(id));
    }
}
