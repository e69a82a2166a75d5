package dev.pinhole.peer.punch;

/**
 * A token bucket of probe bytes to addresses not yet verified (docs/security.md, "Limits: hole punching and
 * STUN"). One per session and one per node: whatever the other side or a forged probe asks for, a peer sends at
 * most this much to addresses that have not answered it. Probes to a verified address (the partner proved it
 * receives there) are not counted. Used on one event loop; the clock is the caller's.
 */
public final class ProbeBudget {
    /**
     * One session's round at its busiest: 400 guesses a second (20 KB/s of 51-byte pings), pings to the reflexive
     * address and 8 predicted ports every 200 ms (2.3 KB/s), 256 birthday sockets every 2 s (6.5 KB/s); the burst
     * lets the 256 sockets' first pings (13 KB) go at once.
     */
    public static final long SESSION_BYTES_PER_SECOND = 32 * 1024;
    /** A node: four sessions punching at their busiest at once; more wait for the next round. */
    public static final long NODE_BYTES_PER_SECOND = 128 * 1024;
    /** No limit (tests of one session's logic). */
    public static final ProbeBudget NONE = new ProbeBudget(Long.MAX_VALUE / 4);

    private final long perSecond;
    private long tokens;
    private long lastNanos;
    private boolean started;
    private long refused;

    /** {@code perSecond} bytes a second, and as many at once. */
    public ProbeBudget(long perSecond) {
        this.perSecond = perSecond;
        this.tokens = perSecond;
    }

    /** Whether {@code bytes} may go now; takes them if so. */
    public boolean take(long nowNanos, int bytes) {
        if (this == NONE) {
            return true;
        }
        if (started) {
            long elapsed = Math.min(1_000_000_000L, Math.max(0, nowNanos - lastNanos)); // a full bucket after 1 s
            tokens = Math.min(perSecond, tokens + elapsed * perSecond / 1_000_000_000L);
        }
        started = true;
        lastNanos = nowNanos;
        if (tokens < bytes) {
            refused++;
            return false;
        }
        tokens -= bytes;
        return true;
    }

    /** Gives back {@code bytes} taken for a send the other budget refused. */
    void giveBack(int bytes) {
        if (this != NONE) {
            tokens = Math.min(perSecond, tokens + bytes);
        }
    }

    /** Sends refused so far. */
    public long refused() {
        return refused;
    }
}
