package dev.pinhole.peer.punch;

/**
 * The extra (birthday) sockets one node may have open at once, all sessions together (docs/security.md, "Limits:
 * hole punching and STUN"). A session partner decides whether this side opens 256 of them, so without a node-wide
 * cap a hundred sessions would be 25,600 file descriptors. Used on the node's event loop.
 */
public final class SocketQuota {
    /**
     * Two birthday rounds at once: 512 descriptors stay under the common soft limit of 1024 with room for the
     * services' connections; a third session punching at the same moment gets none and tries again next round.
     */
    public static final int NODE_SOCKETS = 2 * PunchPlan.BIRTHDAY_SOCKETS;
    /** No limit (tests of one session's logic). */
    public static final SocketQuota NONE = new SocketQuota(Integer.MAX_VALUE);

    private final int max;
    private int open;

    public SocketQuota(int max) {
        this.max = max;
    }

    /** Takes up to {@code wanted} sockets; returns how many may be opened. */
    int acquire(int wanted) {
        int granted = Math.max(0, Math.min(wanted, max - open));
        open += granted;
        return granted;
    }

    void release(int count) {
        open = Math.max(0, open - count);
    }

    /** Sockets taken and not yet given back. */
    public int open() {
        return open;
    }
}
