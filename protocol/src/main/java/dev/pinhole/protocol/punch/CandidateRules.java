package dev.pinhole.protocol.punch;

import dev.pinhole.protocol.ControlCodec;
import dev.pinhole.protocol.ControlMessage.Candidates;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which addresses a peer may be made to probe (pure; docs/security.md, "Limits: hole punching and STUN"). A
 * peer's {@code Candidates} steer the other peer's UDP, so they are trimmed twice: the rendezvous keeps the
 * reflexive address only if it is where it sees the peer's control connection come from ({@link #vouched}), and
 * the receiving peer keeps only unicast addresses, host addresses only from ranges a LAN uses ({@link #checked}).
 */
public final class CandidateRules {
    /**
     * Host candidates kept, one per IP: a peer sends at most 8 interface addresses (HostAddresses.MAX), each with
     * its one socket's port, so a second port on one IP is never needed and would only multiply the probes one
     * third-party address gets.
     */
    public static final int MAX_HOSTS = 8;

    private CandidateRules() {}

    /** One host (not multicast, broadcast or unspecified) and a real port. */
    public static boolean unicast(InetSocketAddress address) {
        if (address == null || address.isUnresolved() || address.getPort() <= 0 || address.getPort() > 65_535) {
            return false;
        }
        InetAddress ip = address.getAddress();
        byte[] b = ip.getAddress();
        boolean broadcast = ip instanceof Inet4Address && (b[0] & 0xff) == 255 && (b[1] & 0xff) == 255
                && (b[2] & 0xff) == 255 && (b[3] & 0xff) == 255;
        return !ip.isAnyLocalAddress() && !ip.isMulticastAddress() && !broadcast;
    }

    /**
     * Ranges a host candidate may be in: the private ones a LAN uses (RFC 1918, carrier-grade NAT 100.64.0.0/10,
     * unique-local fc00::/7), the benchmarking 198.18.0.0/15 (RFC 2544; the NAT lab's sites and "internet"), and
     * global IPv6 (2000::/3), which has no NAT in front and is how two peers behind symmetric NATs go direct.
     * Loopback and link-local addresses are not: they mean something else on the other machine.
     */
    public static boolean hostRange(InetAddress ip) {
        byte[] b = ip.getAddress();
        int b0 = b[0] & 0xff;
        int b1 = b[1] & 0xff;
        if (ip instanceof Inet4Address) {
            return b0 == 10 || b0 == 172 && (b1 & 0xf0) == 16 || b0 == 192 && b1 == 168
                    || b0 == 100 && (b1 & 0xc0) == 64 || b0 == 198 && (b1 & 0xfe) == 18;
        }
        return ip instanceof Inet6Address && ((b0 & 0xfe) == 0xfc || (b0 & 0xe0) == 0x20);
    }

    /** Same IPv4 address, or same IPv6 /64 (one site; a host's addresses for two sockets may differ below it). */
    public static boolean sameSite(InetAddress a, InetAddress b) {
        if (a instanceof Inet4Address || b instanceof Inet4Address) {
            return a.equals(b);
        }
        byte[] x = a.getAddress();
        byte[] y = b.getAddress();
        for (int i = 0; i < 8; i++) {
            if (x[i] != y[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * What the rendezvous forwards: the reflexive address only if it is on the site the peer's control connection
     * comes from ({@code observed}); STUN is unauthenticated, the TCP connection's source is not spoofable. Then
     * {@link #checked}.
     */
    public static Candidates vouched(Candidates candidates, InetAddress observed) {
        InetSocketAddress reflexive = candidates.reflexive();
        boolean ours = reflexive != null && observed != null && sameSite(reflexive.getAddress(), observed);
        return checked(new Candidates(candidates.sessionId(), candidates.hard(), ours ? reflexive : null,
                candidates.hosts()));
    }

    /**
     * What a peer probes: a unicast reflexive address; host addresses that are unicast and either in
     * {@link #hostRange} (one per IP, at most {@link #MAX_HOSTS}) or on the reflexive address's IP (a public
     * host address, or a predicted port of a hard NAT).
     */
    public static Candidates checked(Candidates candidates) {
        InetSocketAddress reflexive = unicast(candidates.reflexive()) ? candidates.reflexive() : null;
        List<InetSocketAddress> hosts = new ArrayList<>();
        Set<InetAddress> ips = new HashSet<>();
        int lan = 0;
        for (InetSocketAddress host : candidates.hosts()) {
            if (!unicast(host) || hosts.size() >= ControlCodec.MAX_CANDIDATES) {
                continue;
            }
            InetAddress ip = host.getAddress();
            if (reflexive != null && ip.equals(reflexive.getAddress())) {
                hosts.add(host);
            } else if (hostRange(ip) && lan < MAX_HOSTS && ips.add(ip)) {
                hosts.add(host);
                lan++;
            }
        }
        return new Candidates(candidates.sessionId(), candidates.hard(), reflexive, List.copyOf(hosts));
    }

    /** Whether {@code to} is on the reflexive address's IP: vouched for by the rendezvous, probed every tick. */
    public static boolean onReflexiveIp(Candidates candidates, InetSocketAddress to) {
        return candidates.reflexive() != null && candidates.reflexive().getAddress().equals(to.getAddress());
    }
}
