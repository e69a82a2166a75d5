package dev.pinhole.peer.node;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Host candidates: this machine's own addresses with the peer's socket port (one dual-stack socket serves
 * both families). IPv4 ones win when two peers share a LAN (or a NAT that does not hairpin); IPv6 ones are
 * usually global, with no NAT at all, only a stateful firewall that a simultaneous ping opens like a
 * port-restricted NAT: two peers behind symmetric NATs or CGNAT, where IPv4 punching cannot work, go direct
 * over IPv6. Loopback is left out (the reflexive candidate covers peers on one machine), and so are
 * link-local addresses (they need an interface scope the other side cannot use).
 */
final class HostAddresses {
    /** A few are plenty; a machine with dozens of bridges should not fill the candidate list. */
    static final int MAX = 8;

    private HostAddresses() {}

    static List<InetSocketAddress> of(int port) {
        List<InetAddress> all = new ArrayList<>();
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!nic.isUp() || nic.isLoopback()) {
                    continue;
                }
                all.addAll(Collections.list(nic.getInetAddresses()));
            }
        } catch (SocketException e) {
            // No interface list (sandboxes): the reflexive candidate alone still works across NATs.
        }
        return select(all, port);
    }

    /** The usable ones of {@code addresses}, IPv4 first, at most {@link #MAX}. */
    static List<InetSocketAddress> select(List<InetAddress> addresses, int port) {
        List<InetSocketAddress> hosts = new ArrayList<>();
        for (boolean v4 : new boolean[] {true, false}) {
            for (InetAddress address : addresses) {
                if ((address instanceof Inet4Address) == v4 && !address.isLinkLocalAddress() && !address.isLoopbackAddress()
                        && !address.isAnyLocalAddress() && !address.isMulticastAddress() && hosts.size() < MAX) {
                    // Scope ids belong to this machine's interfaces; the other side must not see them.
                    hosts.add(new InetSocketAddress(stripScope(address), port));
                }
            }
        }
        return List.copyOf(hosts);
    }

    private static InetAddress stripScope(InetAddress address) {
        try {
            return InetAddress.getByAddress(address.getAddress());
        } catch (UnknownHostException e) {
            return address;
        }
    }
}
