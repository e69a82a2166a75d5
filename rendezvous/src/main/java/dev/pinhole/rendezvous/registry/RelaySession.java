package dev.pinhole.rendezvous.registry;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A session between the peer that opened it and the peer that exposes {@code name}, as the relay knows
 * it. For public ingress the rendezvous itself is the connector: {@link #connector()} is null and
 * {@link #ingress()} is set. Opened and ended only by {@link Registry}; its counters are bumped by
 * whoever sees the bytes, on any event loop.
 */
public final class RelaySession {
    private final int id;
    private final String name;
    private final Peer connector;
    private final Peer exposer;
    private final IngressConnector ingress;
    private final long openedAt;
    private final LongAdder relayedBytes = new LongAdder();
    private final AtomicBoolean direct = new AtomicBoolean();
    /** The session's own count (sent + received, both paths), as its connector reports it. */
    private final AtomicLong bytes = new AtomicLong();

    RelaySession(int id, String name, Peer connector, Peer exposer, IngressConnector ingress, long openedAt) {
        this.id = id;
        this.name = name;
        this.connector = connector;
        this.exposer = exposer;
        this.ingress = ingress;
        this.openedAt = openedAt;
    }

    public int id() {
        return id;
    }

    public String name() {
        return name;
    }

    /** The peer that opened the session, or null for public ingress. */
    public Peer connector() {
        return connector;
    }

    public Peer exposer() {
        return exposer;
    }

    /** The rendezvous' own connector for public ingress, or null for a session between two peers. */
    public IngressConnector ingress() {
        return ingress;
    }

    public long openedAt() {
        return openedAt;
    }

    /** The session's other peer, or null when {@code one} is not in it (or the other side is the ingress). */
    public Peer other(Peer one) {
        return one == connector ? exposer : one == exposer ? connector : null;
    }

    public boolean direct() {
        return direct.get();
    }

    public long relayedBytes() {
        return relayedBytes.sum();
    }

    public long bytes() {
        return bytes.get();
    }

    /** The relay forwarded {@code count} more bytes of this session. */
    public void relayed(int count) {
        relayedBytes.add(count);
    }

    /** The connector's running total: a report can only add, so a reordered or lying one cannot shrink it. */
    public void reportBytes(long total) {
        bytes.accumulateAndGet(total, Math::max);
    }

    /** The connector's path changed; true when the session has just gone direct. */
    boolean reportPath(boolean nowDirect) {
        return direct.getAndSet(nowDirect) != nowDirect && nowDirect;
    }

    /** "connector NAT-exposer NAT", the label of the punch metrics. */
    String natPair() {
        return connector.nat().label() + "-" + exposer.nat().label();
    }
}
