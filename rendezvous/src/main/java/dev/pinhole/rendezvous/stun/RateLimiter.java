package dev.pinhole.rendezvous.stun;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A token bucket per source address, so one host cannot turn the STUN port into a reflector or eat
 * the server's time: {@code burst} requests at once, refilled at {@code perSecond}. RFC 5780 section 4.1
 * asks clients for at most 10 new transactions per second, so 20/s with a burst of 40 never limits an
 * honest client. The table is bounded (least recently seen addresses are forgotten). HTTP ingress uses
 * one for wrong passwords.
 */
public final class RateLimiter {
    private static final int MAX_SOURCES = 65_536;

    private final double perSecond;
    private final double burst;
    private final LongSupplier nanoTime;
    private static final class Bucket {
        double tokens;
        long updated;
    }

    private final Map<InetAddress, Bucket> buckets = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<InetAddress, Bucket> eldest) {
            return size() > MAX_SOURCES;
        }
    };

    public RateLimiter(double perSecond, double burst, LongSupplier nanoTime) {
        this.perSecond = perSecond;
        this.burst = burst;
        this.nanoTime = nanoTime;
    }

    public synchronized boolean tryAcquire(InetAddress source) {
        Bucket bucket = refilled(source);
        if (bucket.tokens < 1) {
            return false;
        }
        bucket.tokens -= 1;
        return true;
    }

    /** Whether {@code source} could spend a token now (without spending it). */
    public synchronized boolean hasToken(InetAddress source) {
        return refilled(source).tokens >= 1;
    }

    private Bucket refilled(InetAddress source) {
        long now = nanoTime.getAsLong();
        Bucket bucket = buckets.computeIfAbsent(source, s -> {
            Bucket fresh = new Bucket();
            fresh.tokens = burst;
            fresh.updated = now;
            return fresh;
        });
        bucket.tokens = Math.min(burst, bucket.tokens + (now - bucket.updated) / 1e9 * perSecond);
        bucket.updated = now;
        return bucket;
    }
}
