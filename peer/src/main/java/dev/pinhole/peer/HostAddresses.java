package dev.pinhole.peer;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Host candidates: this machine's own IPv4 addresses with the peer's socket port. They win when two
 * peers share a LAN (or a NAT that does not hairpin). Loopback is left out (the reflexive candidate
 * covers peers on one machine), and so are link-local addresses.
 */
final class HostAddresses {
    /** A few are plenty; a machine with dozens of bridges should not fill the candidate list. */
    static final int MAX = 8;

    private HostAddresses() {}

    static List<InetSocketAddress> of(int port) {
        List<InetSocketAddress> hosts = new ArrayList<>();
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!nic.isUp() || nic.isLoopback()) {
                    continue;
                }
                for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                    if (address instanceof Inet4Address && !address.isLinkLocalAddress() && !address.isLoopbackAddress()
                            && hosts.size() < MAX) {
                        hosts.add(new InetSocketAddress(address, port));
                    }
                }
            }
        } catch (SocketException e) {
            // No interface list (sandboxes): the reflexive candidate alone still works across NATs.
        }
        return List.copyOf(hosts);
    }
}
