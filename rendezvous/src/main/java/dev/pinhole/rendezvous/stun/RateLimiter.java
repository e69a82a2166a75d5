package dev.pinhole.rendezvous.stun;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A token bucket per source, so one host cannot turn the STUN port into a reflector or eat the server's
 * time: {@code burst} requests at once, refilled at {@code perSecond}. RFC 5780 section 4.1 asks clients for
 * at most 10 new transactions per second, so 20/s with a burst of 40 never limits an honest client. HTTP
 * ingress uses one for wrong passwords, with a bucket per source and service name ({@code scope}).
 *
 * <p>A source is an IPv4 address or an IPv6 /64: one host (or one home) gets a /64, so rotating through its
 * addresses brings no fresh budget. The table is bounded, and it never forgets a source in debt: when full,
 * it makes room only by dropping a bucket that has refilled completely (as good as new); otherwise a new
 * source shares one overflow bucket until room frees up ("Limits: public HTTP and HTTPS" in docs/security.md).
 */
public final class RateLimiter {
    /** About 6 MiB of buckets at most; far more sources than one rendezvous serves at once. */
    private static final int MAX_SOURCES = 65_536;

    private record Key(Object source, String scope) {}

    private static final class Bucket {
        double tokens;
        long updated;
    }

    private final double perSecond;
    private final double burst;
    private final LongSupplier nanoTime;
    private final int maxSources;
    private final Map<Key, Bucket> buckets = new LinkedHashMap<>(16, 0.75f, true);
    private final Bucket overflow;

    public RateLimiter(double perSecond, double burst, LongSupplier nanoTime) {
        this(perSecond, burst, nanoTime, MAX_SOURCES);
    }

    RateLimiter(double perSecond, double burst, LongSupplier nanoTime, int maxSources) {
        this.perSecond = perSecond;
        this.burst = burst;
        this.nanoTime = nanoTime;
        this.maxSources = maxSources;
        this.overflow = fresh();
    }

    public boolean tryAcquire(InetAddress source) {
        return tryAcquire(source, "");
    }

    public synchronized boolean tryAcquire(InetAddress source, String scope) {
        Key key = new Key(group(source), scope);
        Bucket bucket = buckets.get(key);
        if (bucket == null) {
            bucket = makeRoom() ? fresh() : overflow;
            if (bucket != overflow) {
                buckets.put(key, bucket);
            }
        }
        refill(bucket);
        if (bucket.tokens < 1) {
            return false;
        }
        bucket.tokens -= 1;
        return true;
    }

    public boolean hasToken(InetAddress source) {
        return hasToken(source, "");
    }

    /** Whether {@code source} could spend a token now (without spending it, and without making a bucket). */
    public synchronized boolean hasToken(InetAddress source, String scope) {
        Bucket bucket = buckets.get(new Key(group(source), scope));
        if (bucket == null) {
            bucket = buckets.size() < maxSources || eldestRefilled() ? null : overflow;
        }
        if (bucket == null) {
            return burst >= 1;
        }
        refill(bucket);
        return bucket.tokens >= 1;
    }

    /** The source a bucket belongs to: the address itself for IPv4, its /64 for IPv6. */
    static Object group(InetAddress address) {
        if (address instanceof Inet6Address) {
            return ByteBuffer.wrap(address.getAddress()).getLong();
        }
        return address;
    }

    /** Whether a new bucket may go in: there is space, or the least recently used one had refilled and went. */
    private boolean makeRoom() {
        if (buckets.size() < maxSources) {
            return true;
        }
        if (!eldestRefilled()) {
            return false;
        }
        Iterator<Bucket> eldest = buckets.values().iterator();
        eldest.next();
        eldest.remove();
        return true;
    }

    private boolean eldestRefilled() {
        Bucket eldest = buckets.values().iterator().next();
        refill(eldest);
        return eldest.tokens >= burst;
    }

    private Bucket fresh() {
        Bucket bucket = new Bucket();
        bucket.tokens = burst;
        bucket.updated = nanoTime.getAsLong();
        return bucket;
    }

    private void refill(Bucket bucket) {
        long now = nanoTime.getAsLong();
        bucket.tokens = Math.min(burst, bucket.tokens + (now - bucket.updated) / 1e9 * perSecond);
        bucket.updated = now;
    }
}
