package dev.pinhole.session;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The UDP flows of one end (docs/udp.md, "Flows"): each has an id (carried in every datagram), a key (the connector's
 * visitor address; the exposer keys by id) and a value (what the flow sends through), and idles out {@code idleNanos}
 * after its last datagram either way. At most {@code cap} flows live at once: a new flow over the cap is refused and
 * counted. Not thread-safe: one event loop owns it; the clock is injected so tests need not wait.
 */
public final class FlowTable<K, V> {
    /** One flow; {@link #value} may be set after it opened (the exposer's socket binds asynchronously). */
    public static final class Flow<K, V> {
        public final long id;
        public final K key;
        public V value;
        long lastSeen;
        /** Said once per flow: a datagram of it was too large (docs/udp.md, "Sizes"). */
        public boolean oversizeNoted;

        Flow(long id, K key, V value, long now) {
            this.id = id;
            this.key = key;
            this.value = value;
            this.lastSeen = now;
        }
    }

    private final Map<K, Flow<K, V>> byKey = new HashMap<>();
    private final Map<Long, Flow<K, V>> byId = new HashMap<>();
    private final int cap;
    private final long idleNanos;
    private final LongSupplier clock;
    private long nextId;
    private long refused;
    private long expired;

    public FlowTable(int cap, long idleNanos, LongSupplier clock) {
        if (cap < 1 || idleNanos <= 0) {
            throw new IllegalArgumentException("flow cap: " + cap + ", idle: " + idleNanos + " ns (expected: both > 0)");
        }
        this.cap = cap;
        this.idleNanos = idleNanos;
        this.clock = clock;
    }

    /** The flow of {@code key}, its idle timer restarted; null if none. */
    public Flow<K, V> byKey(K key) {
        return touch(byKey.get(key));
    }

    /** The flow with {@code id}, its idle timer restarted; null if none. */
    public Flow<K, V> byId(long id) {
        return touch(byId.get(id));
    }

    private Flow<K, V> touch(Flow<K, V> flow) {
        if (flow != null) {
            flow.lastSeen = clock.getAsLong();
        }
        return flow;
    }

    /** Opens a flow with the next free id (the connector assigns them); null, counted, when at the cap. */
    public Flow<K, V> open(K key, V value) {
        return open(nextId, key, value);
    }

    /** Opens a flow with the id the other end chose; null, counted, when at the cap. */
    public Flow<K, V> open(long id, K key, V value) {
        if (byId.size() >= cap) {
            refused++;
            return null;
        }
        Flow<K, V> flow = new Flow<>(id, key, value, clock.getAsLong());
        byId.put(id, flow);
        byKey.put(key, flow);
        nextId = Math.max(nextId, id + 1);
        return flow;
    }

    /** Removes and returns the flows idle for the timeout or longer (the caller closes what they hold). */
    public List<Flow<K, V>> expire() {
        long now = clock.getAsLong();
        List<Flow<K, V>> gone = new ArrayList<>();
        for (Iterator<Flow<K, V>> it = byId.values().iterator(); it.hasNext(); ) {
            Flow<K, V> flow = it.next();
            if (now - flow.lastSeen >= idleNanos) {
                it.remove();
                byKey.remove(flow.key);
                gone.add(flow);
            }
        }
        expired += gone.size();
        return gone;
    }

    /** Removes every flow, for the caller to close (the session or node ended). */
    public List<Flow<K, V>> clear() {
        List<Flow<K, V>> all = new ArrayList<>(byId.values());
        byId.clear();
        byKey.clear();
        return all;
    }

    public int size() {
        return byId.size();
    }

    /** New flows refused because {@code cap} flows were open. */
    public long refused() {
        return refused;
    }

    /** Flows ended by the idle timeout. */
    public long expired() {
        return expired;
    }
}
