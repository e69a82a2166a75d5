package dev.pinhole.peer.cli;

import dev.pinhole.peer.node.Exposer;
import java.time.Duration;

/** The UDP flags {@code peer expose} and {@code peer connect} share (docs/udp.md). */
final class UdpFlags {
    /**
     * The longest idle timeout: a day keeps a flow's socket at the exposer for a visitor gone long ago; anything a
     * real protocol needs (a WireGuard handshake every 2 minutes, game keepalives in seconds) is far below it.
     */
    static final int MAX_IDLE_SECONDS = 86_400;

    private UdpFlags() {}

    /**
     * {@code --udp-idle-timeout} checked: only with {@code --udp}, 1 s to a day; the default when not given.
     *
     * @throws IllegalArgumentException naming the flag and what it expects
     */
    static Duration idleTimeout(boolean udp, Integer seconds) {
        if (seconds == null) {
            return Exposer.DEFAULT_UDP_IDLE;
        }
        if (!udp) {
            throw new IllegalArgumentException("--udp-idle-timeout applies to UDP flows: add --udp");
        }
        if (seconds < 1 || seconds > MAX_IDLE_SECONDS) {
            throw new IllegalArgumentException("--udp-idle-timeout " + seconds + " (expected: 1.." + MAX_IDLE_SECONDS
                    + " seconds)");
        }
        return Duration.ofSeconds(seconds);
    }
}
