package dev.pinhole.rendezvous.cli;

import dev.pinhole.rendezvous.Limits;
import dev.pinhole.rendezvous.RendezvousConfig;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The {@code rendezvous} flags for budgets and quotas; each value, its default and why are in docs/security.md,
 * "Limits: connections, control plane, quotas". A flag wins over its key in the {@code [limits]} table of {@code --config}.
 */
final class LimitOptions {
    @Option(names = "--max-connections-per-source", paramLabel = "N",
            description = "Open TCP connections from one IPv4 address or IPv6 /64, control and public TCP ports together (default: 64).")
    Integer maxConnectionsPerSource;

    @Option(names = "--max-connections", paramLabel = "N",
            description = "Open TCP connections in all, control and public TCP ports (default: 10000).")
    Integer maxConnections;

    @Option(names = "--tls-timeout", paramLabel = "SECONDS", description = "TCP accepted to TLS done on the control port (default: 10).")
    Integer tlsTimeout;

    @Option(names = "--login-timeout", paramLabel = "SECONDS", description = "TCP accepted to a valid login (default: 10).")
    Integer loginTimeout;

    @Option(names = "--tcp-idle-timeout", paramLabel = "SECONDS",
            description = "A public TCP port's connection, a WebSocket or an HTTPS passthrough with no data either way for this long"
                    + " is closed (default: 600).")
    Integer tcpIdleTimeout;

    @Option(names = "--max-sessions-per-peer", paramLabel = "N",
            description = "Sessions one peer identity has open at once as a connector; 4x per token (default: 64).")
    Integer maxSessionsPerPeer;

    @Option(names = "--max-sessions-per-exposer", paramLabel = "N",
            description = "Sessions open at once to one exposer, from everyone (default: 1024).")
    Integer maxSessionsPerExposer;

    @Option(names = "--open-rate", paramLabel = "PER_SECOND", description = "Open requests per second per identity, 4x per token (default: 10).")
    Double openRate;

    @Option(names = "--open-burst", paramLabel = "N", description = "Open requests at once per identity, 4x per token (default: 20).")
    Integer openBurst;

    @Option(names = "--candidates-rate", paramLabel = "PER_SECOND",
            description = "Candidates and path reports passed on per second per identity, 4x per token (default: 10).")
    Double candidatesRate;

    @Option(names = "--max-names-per-peer", paramLabel = "N", description = "Names one identity may own (default: 32).")
    Integer maxNamesPerPeer;

    @Option(names = "--max-services-per-peer", paramLabel = "N",
            description = "Names one identity exposes at once; 4x per token (default: 16).")
    Integer maxServicesPerPeer;

    @Option(names = "--max-ports-per-peer", paramLabel = "N",
            description = "Public TCP ports one identity holds at once; 4x per token (default: 4).")
    Integer maxPortsPerPeer;

    @Option(names = "--max-web-connections-per-source", paramLabel = "N",
            description = "Open connections from one IPv4 address or IPv6 /64 to the HTTP and HTTPS ports together (default: 128).")
    Integer maxWebConnectionsPerSource;

    @Option(names = "--max-web-connections", paramLabel = "N",
            description = "Open connections in all to the HTTP and HTTPS ports (default: 6000).")
    Integer maxWebConnections;

    /** The limits the flags (with the --config file's keys filled in) say, else the defaults. */
    Limits limits() {
        Limits d = Limits.DEFAULTS;
        return new Limits(
                pick(maxConnectionsPerSource, d.connectionsPerSource()),
                pick(maxConnections, d.connections()),
                Duration.ofSeconds(pick(tlsTimeout, (int) d.tlsTimeout().toSeconds())),
                Duration.ofSeconds(pick(tcpIdleTimeout, (int) d.tcpIdle().toSeconds())),
                pick(maxSessionsPerPeer, d.sessionsPerPeer()),
                pick(maxSessionsPerExposer, d.sessionsPerExposer()),
                pick(openRate, d.openRate()),
                pick(openBurst, d.openBurst()),
                pick(candidatesRate, d.candidatesRate()),
                pick(maxNamesPerPeer, d.namesPerPeer()),
                pick(maxServicesPerPeer, d.servicesPerPeer()),
                pick(maxPortsPerPeer, d.portsPerPeer()),
                pick(maxWebConnectionsPerSource, d.webConnectionsPerSource()),
                pick(maxWebConnections, d.webConnections()));
    }

    Duration loginTimeout() {
        int seconds = pick(loginTimeout, (int) RendezvousConfig.DEFAULT_LOGIN_TIMEOUT.toSeconds());
        if (seconds < 1) {
            throw new IllegalArgumentException("--login-timeout " + seconds + " (expected: 1 or more seconds)");
        }
        return Duration.ofSeconds(seconds);
    }

    private static <T> T pick(T flag, T standard) {
        return flag != null ? flag : standard;
    }
}
