package dev.pinhole.rendezvous.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The rendezvous' counters, incremented from any event loop (LongAdder: no contention on the relay's
 * hot path). Gauges (peers online, sessions by path) are read from the live registry when scraped.
 */
public final class Metrics {
    public final LongAdder relayedBytes = new LongAdder();
    public final LongAdder droppedPackets = new LongAdder();
    /** Candidates and path reports not passed on: over the sender's rate, or the receiver not reading. */
    public final LongAdder droppedSignals = new LongAdder();
    public final LongAdder authFailures = new LongAdder();
    public final LongAdder dashboardLoginFailures = new LongAdder();
    /** Punch rounds started, and sessions that reached a direct path, by "connector NAT-exposer NAT" (easy/hard/no-udp). */
    public final Map<String, LongAdder> punchAttempts = new ConcurrentHashMap<>();
    public final Map<String, LongAdder> punchSuccesses = new ConcurrentHashMap<>();
    /** Public ingress requests by HTTP status (docs/ingress-and-dashboard.md, "Metrics"). */
    public final Map<String, LongAdder> ingressRequests = new ConcurrentHashMap<>();

    public static void increment(Map<String, LongAdder> counters, String key) {
        counters.computeIfAbsent(key, k -> new LongAdder()).increment();
    }
}
