package dev.pinhole.rendezvous.registry;

/**
 * A token bucket for one connection's requests of one kind: {@code rate} a second, {@code burst} at once.
 * Used on the connection's own event loop, so it needs no lock.
 */
final class TokenBucket {
    private final double ratePerMilli;
    private final int burst;
    private double tokens;
    private long last;

    TokenBucket(double ratePerSecond, int burst, long nowMillis) {
        this.ratePerMilli = ratePerSecond / 1000.0;
        this.burst = burst;
        this.tokens = burst;
        this.last = nowMillis;
    }

    /** Takes a token if there is one. */
    boolean tryTake(long nowMillis) {
        tokens = Math.min(burst, tokens + Math.max(0, nowMillis - last) * ratePerMilli);
        last = nowMillis;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }
}
