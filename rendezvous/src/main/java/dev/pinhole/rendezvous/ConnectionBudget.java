package dev.pinhole.rendezvous;

import io.netty.channel.Channel;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Open TCP connections per source and in all, across the listeners that share it (one budget for the control
 * port and the public TCP ports, one for the public HTTP and HTTPS ports, one for the dashboard: docs/security.md,
 * "Limits: HTTP, HTTPS and dashboard listeners" says why): a stranger holding sockets open uses up its own share,
 * not everyone's file descriptors.
 * A source is an IPv4 address or an IPv6 /64, since one IPv6 host is usually given a whole /64 (RFC 6177).
 * The table holds only sources with a connection open right now, so it is never larger than the global cap
 * (docs/security.md, "Limits: connections, control plane, quotas").
 */
public final class ConnectionBudget {
    /** An IPv4 address, or the first 64 bits of an IPv6 one. */
    private record Source(boolean v6, long bits) {}

    private final int perSource;
    private final int total;
    private final RateLimitedLog log;
    /** What raises each cap, named when a connection is refused. */
    private final String perSourceRemedy;
    private final String totalRemedy;
    private final Map<Source, AtomicInteger> bySource = new ConcurrentHashMap<>();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();

    /** The control port's and public TCP ports' budget, set by {@code --max-connections-per-source} and {@code --max-connections}. */
    public ConnectionBudget(int perSource, int total, RateLimitedLog log) {
        this(perSource, total, log, "--max-connections-per-source", "--max-connections");
    }

    /** {@code perSourceRemedy}, {@code totalRemedy}: what raises each cap (a flag), named when a connection is refused. */
    public ConnectionBudget(int perSource, int total, RateLimitedLog log, String perSourceRemedy, String totalRemedy) {
        this.perSource = perSource;
        this.total = total;
        this.log = log;
        this.perSourceRemedy = perSourceRemedy;
        this.totalRemedy = totalRemedy;
    }

    /**
     * Counts {@code channel} (just accepted) against its source's share and the total, until it closes; false,
     * and the channel closed at once, when either is used up.
     */
    public boolean admit(Channel channel, String listener) {
        InetAddress address = ((InetSocketAddress) channel.remoteAddress()).getAddress();
        Source source = sourceOf(address);
        if (open.incrementAndGet() > total) {
            open.decrementAndGet();
            refuse(channel, listener, total + " connections open in all (" + totalRemedy + ")");
            return false;
        }
        AtomicInteger mine = bySource.compute(source, (s, count) -> {
            AtomicInteger held = count == null ? new AtomicInteger() : count;
            held.incrementAndGet();
            return held;
        });
        if (mine.get() > perSource) {
            release(source);
            refuse(channel, listener, perSource + " connections open from "
                    + (source.v6() ? "its /64" : "its address") + " (" + perSourceRemedy + ")");
            return false;
        }
        channel.closeFuture().addListener(f -> release(source));
        return true;
    }

    /** Connections open now, in all. */
    public int open() {
        return open.get();
    }

    /** Connections refused so far. */
    public long refused() {
        return refused.get();
    }

    /** Sources with a connection open now (what the table holds). */
    public int sources() {
        return bySource.size();
    }

    private void release(Source source) {
        open.decrementAndGet();
        bySource.computeIfPresent(source, (s, count) -> count.decrementAndGet() == 0 ? null : count);
    }

    private void refuse(Channel channel, String listener, String limit) {
        refused.incrementAndGet();
        log.info("refused", "refused a connection to the " + listener + " from " + channel.remoteAddress() + ": " + limit);
        channel.close();
    }

    static Source sourceOf(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (address instanceof Inet6Address) {
            return new Source(true, ByteBuffer.wrap(bytes, 0, 8).getLong());
        }
        return new Source(false, ByteBuffer.wrap(bytes).getInt() & 0xffff_ffffL);
    }
}
