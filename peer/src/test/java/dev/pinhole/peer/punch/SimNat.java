package dev.pinhole.peer.punch;

import dev.pinhole.peer.punch.SimNet.Datagram;
import dev.pinhole.peer.punch.SimNet.Link;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * A NAT as RFC 4787 describes it: a mapping behaviour (section 4.1), a filtering behaviour (section 5) and a port
 * allocation, each a small function; behind another one it is a CGNAT stack. The idea is Tailscale's
 * {@code tstest/natlab/nat.go}, where a mapping is looked up by a key that keeps as much of the destination as the
 * mapping behaviour depends on. Like the lab's NATs (docs/lab.md) it drops unsolicited inbound datagrams: what
 * matches no live mapping, or a mapping whose filter does not admit the sender.
 */
final class SimNat {
    /** Which part of the destination gives an inside socket a mapping of its own (RFC 4787 section 4.1). */
    enum Mapping {
        ENDPOINT_INDEPENDENT, ADDRESS_DEPENDENT, ADDRESS_AND_PORT_DEPENDENT;

        Object key(InetSocketAddress to) {
            return switch (this) {
                case ENDPOINT_INDEPENDENT -> "any";
                case ADDRESS_DEPENDENT -> to.getAddress();
                case ADDRESS_AND_PORT_DEPENDENT -> to;
            };
        }
    }

    /** Which part of a sender a mapping must have sent to before it lets the sender in (RFC 4787 section 5). */
    enum Filtering {
        ENDPOINT_INDEPENDENT, ADDRESS_DEPENDENT, ADDRESS_AND_PORT_DEPENDENT;

        Object key(InetSocketAddress remote) {
            return switch (this) {
                case ENDPOINT_INDEPENDENT -> "any";
                case ADDRESS_DEPENDENT -> remote.getAddress();
                case ADDRESS_AND_PORT_DEPENDENT -> remote;
            };
        }
    }

    /** How a new mapping's public port is chosen (RFC 4787 section 4.2). */
    enum Allocation {
        /** The inside port, or the next free one above it (Linux {@code masquerade}). */
        PRESERVING,
        /** One more than the last mapping's (what {@link Reflexive#predict} expects). */
        SEQUENTIAL,
        /** Any free port from 1024 up (Linux {@code masquerade fully-random}). */
        RANDOM
    }

    /** Below the 30 s Linux gives an unreplied UDP flow, and what nat.go uses: keepalives must beat it. */
    static final long MAPPING_MILLIS = 30_000;
    static final int LOWEST_PORT = 1024;

    private record Key(InetSocketAddress inside, Object toward) {}

    private static final class Entry {
        final Key key;
        final InetSocketAddress outside;
        /** Filter keys of the destinations this mapping sent to: who may answer. */
        final Set<Object> admitted = new HashSet<>();
        long expiresAt;

        Entry(Key key, InetSocketAddress outside) {
            this.key = key;
            this.outside = outside;
        }
    }

    private final InetAddress publicIp;
    private final Mapping mapping;
    private final Filtering filtering;
    private final Allocation allocation;
    private final LongSupplier nanoTime;
    private final RandomGenerator random;
    private final Map<Key, Entry> byInside = new HashMap<>();
    private final Map<Integer, Entry> byPort = new HashMap<>();
    private Link upstream;
    private Link inside;
    private int lastPort;

    SimNat(InetAddress publicIp, Mapping mapping, Filtering filtering, Allocation allocation, LongSupplier nanoTime,
           RandomGenerator random) {
        this.publicIp = publicIp;
        this.mapping = mapping;
        this.filtering = filtering;
        this.allocation = allocation;
        this.nanoTime = nanoTime;
        this.random = random;
        this.lastPort = 20_000 + random.nextInt(20_000);
    }

    InetAddress publicIp() {
        return publicIp;
    }

    /** Where translated datagrams go: out to {@code upstream} (the internet, or an outer NAT), in to {@code inside}. */
    void wire(Link upstream, Link inside) {
        this.upstream = upstream;
        this.inside = inside;
    }

    /** A datagram from the inside, on its way out. */
    void outbound(Datagram datagram) {
        Key key = new Key(datagram.from(), mapping.key(datagram.to()));
        Entry entry = byInside.get(key);
        if (entry == null || entry.expiresAt <= nanoTime.getAsLong()) {
            if (entry != null) {
                byPort.remove(entry.outside.getPort(), entry);
            }
            entry = new Entry(key, new InetSocketAddress(publicIp, allocate(datagram.from().getPort())));
            byInside.put(key, entry);
            byPort.put(entry.outside.getPort(), entry);
        }
        entry.admitted.add(filtering.key(datagram.to()));
        refresh(entry);
        upstream.send(new Datagram(entry.outside, datagram.to(), datagram.payload()));
    }

    /** A datagram from the outside, to this NAT's public address. */
    void inbound(Datagram datagram) {
        Entry entry = byPort.get(datagram.to().getPort());
        if (entry == null || entry.expiresAt <= nanoTime.getAsLong() || !entry.admitted.contains(filtering.key(datagram.from()))) {
            return;
        }
        refresh(entry); // conntrack refreshes a flow on replies too
        inside.send(new Datagram(datagram.from(), entry.key.inside(), datagram.payload()));
    }

    private void refresh(Entry entry) {
        entry.expiresAt = nanoTime.getAsLong() + TimeUnit.MILLISECONDS.toNanos(MAPPING_MILLIS);
    }

    private int allocate(int insidePort) {
        int port = switch (allocation) {
            case PRESERVING -> insidePort;
            case SEQUENTIAL -> lastPort + 1;
            case RANDOM -> LOWEST_PORT + random.nextInt(65_536 - LOWEST_PORT);
        };
        for (int tries = 0; tries < 65_536; tries++) {
            if (port > 65_535) {
                port = LOWEST_PORT;
            }
            Entry holder = byPort.get(port);
            if (holder == null || holder.expiresAt <= nanoTime.getAsLong()) {
                if (holder != null) {
                    byInside.remove(holder.key, holder);
                }
                lastPort = port;
                return port;
            }
            port = allocation == Allocation.RANDOM ? LOWEST_PORT + random.nextInt(65_536 - LOWEST_PORT) : port + 1;
        }
        throw new IllegalStateException("ports in use on " + publicIp + ": all (expected: a free one)");
    }
}
