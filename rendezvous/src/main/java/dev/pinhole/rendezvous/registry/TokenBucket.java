package dev.pinhole.rendezvous.registry;

/**
 * A token bucket for one identity's or one token's requests of one kind: {@code rate} a second, {@code burst} at
 * once. Shared by that identity's or token's connections, which may run on either event loop, hence the lock
 * (held for a few arithmetic operations).
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
    synchronized boolean tryTake(long nowMillis) {
        refill(nowMillis);
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }

    /** Returns a token taken by {@link #tryTake} for a request that another bucket then refused. */
    synchronized void giveBack() {
        tokens = Math.min(burst, tokens + 1);
    }

    /** Full again: forgetting this bucket and making a new one later would give nothing away. */
    synchronized boolean full(long nowMillis) {
        refill(nowMillis);
        return tokens >= burst;
    }

    private void refill(long nowMillis) {
        tokens = Math.min(burst, tokens + Math.max(0, nowMillis - last) * ratePerMilli);
        last = Math.max(last, nowMillis);
    }
}
