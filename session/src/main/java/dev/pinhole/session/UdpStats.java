package dev.pinhole.session;

import java.util.Arrays;

/**
 * What happened to one tunnel's UDP datagrams, for {@code peer status} (docs/udp.md, "Counters"). Written on the
 * node's event loop, read by the status writer on the same loop; the fields are volatile so a test may read them.
 */
public final class UdpStats {
    /** Datagrams carried, either way. */
    public volatile long datagrams;
    /** Datagrams too large for the session's path (the largest is {@link #maxPayload}); dropped. */
    public volatile long oversize;
    /** Datagrams dropped because no session was up yet, or a queue was full (UDP semantics: never buffered). */
    public volatile long dropped;
    /** New flows refused because the session had its maximum of flows open. */
    public volatile long refusedFlows;
    /** Flows open now and flows ended by the idle timeout. */
    public volatile int flows;
    public volatile long expiredFlows;
    /** The largest datagram payload the current session carries, or 0 before one is up. */
    public volatile int maxPayload;
    /** Datagrams and bytes the visitors' socket received, and replies it sent to visitors (public UDP ports' metrics). */
    public volatile long fromVisitors;
    public volatile long fromVisitorsBytes;
    public volatile long toVisitors;
    public volatile long toVisitorsBytes;
    /** Datagrams from a source outside the allow list, dropped before any flow was made. */
    public volatile long denied;
    private long[] last = {};

    /** Whether a counter moved since the last call: the status file is rewritten only then (at most once a second). */
    public boolean changed() {
        long[] now = {datagrams, oversize, dropped, refusedFlows, flows, expiredFlows, maxPayload, denied};
        boolean changed = !Arrays.equals(now, last);
        last = now;
        return changed;
    }
}
