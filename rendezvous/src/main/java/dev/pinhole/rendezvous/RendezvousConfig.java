package dev.pinhole.rendezvous;

import dev.pinhole.rendezvous.ingress.http.Deadlines;
import dev.pinhole.rendezvous.stun.StunServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How to run a rendezvous.
 *
 * @param publicHost   the host peers dial, written into the join code
 * @param loginTimeout time from TCP accept to a valid Hello (TLS handshake included); stalled clients
 *                     are dropped after it so they cannot hold sockets open
 * @param stun         the STUN service, or null for none
 * @param dashboard    where the operator's dashboard (and /metrics) listens, or null for none
 * @param allowPorts   public TCP ports services may be published on, e.g. "20000-20100", or null for none
 * @param web          HTTP and HTTPS ingress by name under a domain, or null for none
 * @param limits       connection budgets and quotas ({@link Limits#DEFAULTS} unless the operator says)
 * @param allowUdpPorts public UDP ports services may be published on, e.g. "30000-30100", or null for none
 */
public record RendezvousConfig(Path dataDir, String bindAddress, int port, String publicHost, Duration loginTimeout,
                               StunServer.Config stun, InetSocketAddress dashboard, String allowPorts, Web web,
                               Limits limits, String allowUdpPorts) {
    /**
     * HTTP ingress routes {@code NAME.domain} by Host header on {@code httpPort}; HTTPS passes TLS through by
     * server name on {@code httpsPort}. A null port turns that listener off; 0 takes any free port (tests).
     * {@code deadlines}: how long a visitor may stall in each phase (tests shorten them).
     */
    public record Web(String domain, Integer httpPort, Integer httpsPort, Deadlines deadlines) {
        /** With the deadlines of "Limits: public HTTP and HTTPS" in docs/security.md. */
        public Web(String domain, Integer httpPort, Integer httpsPort) {
            this(domain, httpPort, httpsPort, Deadlines.DEFAULT);
        }
    }

    /** Loopback: the dashboard is for the operator; expose it further on purpose, behind TLS. */
    public static final InetSocketAddress DEFAULT_DASHBOARD =
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 7080);

    public static final int DEFAULT_PORT = 7000;
    public static final int DEFAULT_STUN_PORT = 3478;
    public static final Duration DEFAULT_LOGIN_TIMEOUT = Duration.ofSeconds(10);

    public RendezvousConfig(Path dataDir, String bindAddress, int port, String publicHost, Duration loginTimeout,
                            StunServer.Config stun, InetSocketAddress dashboard, String allowPorts, Web web,
                            Limits limits) {
        this(dataDir, bindAddress, port, publicHost, loginTimeout, stun, dashboard, allowPorts, web, limits, null);
    }

    public RendezvousConfig(Path dataDir, String bindAddress, int port, String publicHost, Duration loginTimeout,
                            StunServer.Config stun, InetSocketAddress dashboard, String allowPorts, Web web) {
        this(dataDir, bindAddress, port, publicHost, loginTimeout, stun, dashboard, allowPorts, web, Limits.DEFAULTS);
    }

    /** Without STUN: what tests of the control plane and relay use. */
    public RendezvousConfig(Path dataDir, String bindAddress, int port, String publicHost) {
        this(dataDir, bindAddress, port, publicHost, DEFAULT_LOGIN_TIMEOUT, null, null, null, null);
    }

    public RendezvousConfig(Path dataDir, String bindAddress, int port, String publicHost, Duration loginTimeout) {
        this(dataDir, bindAddress, port, publicHost, loginTimeout, null, null, null, null);
    }

    public RendezvousConfig(Path dataDir, String bindAddress, int port, String publicHost, Duration loginTimeout,
                            StunServer.Config stun) {
        this(dataDir, bindAddress, port, publicHost, loginTimeout, stun, null, null, null);
    }

    public RendezvousConfig withAllowPorts(String range) {
        return new RendezvousConfig(dataDir, bindAddress, port, publicHost, loginTimeout, stun, dashboard, range, web, limits,
                allowUdpPorts);
    }

    public RendezvousConfig withAllowUdpPorts(String range) {
        return new RendezvousConfig(dataDir, bindAddress, port, publicHost, loginTimeout, stun, dashboard, allowPorts, web,
                limits, range);
    }

    public RendezvousConfig withWeb(Web ingress) {
        return new RendezvousConfig(dataDir, bindAddress, port, publicHost, loginTimeout, stun, dashboard, allowPorts, ingress,
                limits, allowUdpPorts);
    }

    public RendezvousConfig withLimits(Limits budgets) {
        return new RendezvousConfig(dataDir, bindAddress, port, publicHost, loginTimeout, stun, dashboard, allowPorts, web,
                budgets, allowUdpPorts);
    }
}
