package dev.pinhole.peer.control;

import java.util.function.LongUnaryOperator;

/**
 * Reconnect delays: exponential from {@value #BASE_MILLIS} ms, doubled per failure, capped at
 * {@value #CAP_MILLIS} ms, with "equal jitter" (half fixed, half random) so a fleet of peers that
 * lost the same rendezvous does not return in one synchronized wave.
 */
public final class Backoff {
    static final long BASE_MILLIS = 250;
    static final long CAP_MILLIS = 30_000;

    private final LongUnaryOperator randomBelow;
    private int failures;

    /** @param randomBelow returns a uniform value in [0, bound) */
    public Backoff(LongUnaryOperator randomBelow) {
        this.randomBelow = randomBelow;
    }

    public long nextDelayMillis() {
        long ceiling = Math.min(CAP_MILLIS, BASE_MILLIS << Math.min(failures, 20));
        failures++;
        long half = ceiling / 2;
        return half + randomBelow.applyAsLong(half + 1);
    }

    public void reset() {
        failures = 0;
    }
}
