package dev.pinhole.rendezvous;

import java.time.Duration;

/**
 * What one stranger, one identity or one token may hold of the rendezvous at once, and how long each phase
 * of a connection may take. Each value, its default and the reason for it are in docs/security.md,
 * "Limits: connections, control plane, quotas"; the {@code rendezvous} command sets each with a flag.
 *
 * @param connectionsPerSource open TCP connections from one source (an IPv4 address or an IPv6 /64), control
 *                             port and public TCP ports together
 * @param connections          open TCP connections in all, same listeners
 * @param tlsTimeout           TCP accepted to TLS handshake done, on the control port
 * @param tcpIdle              a public TCP port's visitor connection, a WebSocket or an HTTPS passthrough (bytes the
 *                             rendezvous splices without reading) with no byte either way for this long is closed
 * @param sessionsPerPeer      sessions one identity has opened (as a connector) and not yet ended; four times as
 *                             many per token
 * @param sessionsPerExposer   sessions to one exposer connection, from everyone, open at once
 * @param openRate             Open requests per second, per identity (token bucket); four times as many per token
 * @param openBurst            the bucket's size; also the Candidates bucket's
 * @param candidatesRate       Candidates (and path reports passed on) per second, per identity; four times per token
 * @param namesPerPeer         names one identity may own (kept across restarts in state.json); four times as many per
 *                             token (names bound to it)
 * @param servicesPerPeer      names one identity exposes at once; four times as many per token
 * @param portsPerPeer         public TCP ports one identity holds at once; four times as many per token
 * @param webConnectionsPerSource open connections from one source to the public HTTP and HTTPS ports together (a
 *                             budget of their own, apart from the control port's: docs/security.md, "Limits:
 *                             HTTP, HTTPS and dashboard listeners")
 * @param webConnections       open connections in all to the public HTTP and HTTPS ports
 */
public record Limits(int connectionsPerSource, int connections, Duration tlsTimeout, Duration tcpIdle,
                     int sessionsPerPeer, int sessionsPerExposer, double openRate, int openBurst,
                     double candidatesRate, int namesPerPeer, int servicesPerPeer, int portsPerPeer,
                     int webConnectionsPerSource, int webConnections) {
    /**
     * A token is usually shared by one person's or team's few machines: its quotas are this many times an
     * identity's, so one machine cannot use up the others' share, and a token holder who mints fresh keys
     * (identities are free) still hits a ceiling.
     */
    public static final int TOKEN_FACTOR = 4;

    /** Sizes a 2-core server with the default 20,000 file descriptors survives; docs/security.md says why each. */
    public static final Limits DEFAULTS = new Limits(64, 10_000, Duration.ofSeconds(10), Duration.ofMinutes(10),
            64, 1024, 10, 20, 10, 32, 16, 4, 128, 6_000);

    public Limits {
        positive("connections per source", connectionsPerSource);
        positive("connections", connections);
        positive("sessions per peer", sessionsPerPeer);
        positive("sessions per exposer", sessionsPerExposer);
        positive("Open burst", openBurst);
        positive("names per peer", namesPerPeer);
        positive("services per peer", servicesPerPeer);
        positive("public ports per peer", portsPerPeer);
        positive("web connections per source", webConnectionsPerSource);
        positive("web connections", webConnections);
        if (!(openRate > 0) || !(candidatesRate > 0)) {
            throw new IllegalArgumentException("rates: " + openRate + ", " + candidatesRate + " (expected: above 0 per second)");
        }
        if (tlsTimeout.isNegative() || tlsTimeout.isZero() || tcpIdle.isNegative() || tcpIdle.isZero()) {
            throw new IllegalArgumentException("timeouts: " + tlsTimeout + ", " + tcpIdle + " (expected: above 0)");
        }
    }

    private static void positive(String what, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(what + ": " + value + " (expected: 1 or more)");
        }
    }
}
