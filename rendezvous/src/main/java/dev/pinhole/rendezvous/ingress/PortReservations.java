package dev.pinhole.rendezvous.ingress;

import dev.pinhole.rendezvous.ingress.TcpIngress.PortRange;
import dev.pinhole.rendezvous.registry.Peer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import java.util.function.LongSupplier;

/**
 * Public ports kept for their owner's identity while it reconnects (docs/ingress-and-dashboard.md, "Public TCP
 * ports"; docs/udp.md, "Public UDP ports"): when an exposer's connection drops, its ports close but no one else
 * may take them for {@link #KEPT_NANOS}, and a reconnect asking for any port gets its old one back. One per kind
 * of port (TCP, UDP); at most one reservation per port of the operator's range.
 */
final class PortReservations {
    /**
     * How long a port stays its owner's after the owner's connection dropped: above the peer's longest reconnect
     * backoff (30 s) with room for a slow TLS handshake and re-registration.
     */
    static final long KEPT_NANOS = TimeUnit.SECONDS.toNanos(120);

    /** The owner identity and until when (nanoTime) the port is kept for it. */
    private record Reservation(String ownerId, long until) {}

    private final String kind;
    private final LongSupplier nanoTime;
    private final Map<Integer, Reservation> reserved = new ConcurrentHashMap<>();

    /** @param kind "TCP" or "UDP", as the refusal names the port */
    PortReservations(String kind, LongSupplier nanoTime) {
        this.kind = kind;
        this.nanoTime = nanoTime;
    }

    /** Why {@code owner} may not hold {@code port} now (someone else's reservation), or null. */
    String refusal(Peer owner, int port) {
        Reservation reservation = reserved.get(port);
        if (reservation == null) {
            return null;
        }
        if (nanoTime.getAsLong() - reservation.until() >= 0) {
            reserved.remove(port, reservation);
            return null;
        }
        if (reservation.ownerId().equals(owner.id())) {
            return null;
        }
        return "public " + kind + " port " + port + " is kept for its owner while it reconnects (for up to "
                + TimeUnit.NANOSECONDS.toSeconds(KEPT_NANOS) + " s)";
    }

    /** Ports of {@code range} to try for {@code owner}, not {@code held}: its own kept ones first, then the free. */
    List<Integer> candidates(Peer owner, PortRange range, IntPredicate held) {
        List<Integer> candidates = new ArrayList<>();
        for (int p = range.first(); p <= range.last(); p++) {
            Reservation reservation = reserved.get(p);
            if (reservation != null && reservation.ownerId().equals(owner.id()) && !held.test(p)) {
                candidates.add(p);
            }
        }
        for (int p = range.first(); p <= range.last(); p++) {
            if (!held.test(p) && !candidates.contains(p) && refusal(owner, p) == null) {
                candidates.add(p);
            }
        }
        return candidates;
    }

    /** {@code owner}'s connection closed while it held {@code port}. */
    void keep(int port, Peer owner) {
        reserved.put(port, new Reservation(owner.id(), nanoTime.getAsLong() + KEPT_NANOS));
    }

    /** {@code port} is held again (by whoever may): its reservation is over. */
    void taken(int port) {
        reserved.remove(port);
    }
}
