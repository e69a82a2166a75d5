package dev.pinhole.rendezvous.cli;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.Collections;

/**
 * The host written into join codes when the operator gives no {@code --public-host}: the bound address if
 * specific, else the first non-loopback IPv4 address. Behind a NAT or in a container that is a private address
 * peers elsewhere cannot dial, so the server warns at start (docs/operations.md, "Logging").
 */
final class PublicHostGuess {
    private PublicHostGuess() {}

    static String guess(String bind) {
        if (!bind.equals("0.0.0.0") && !bind.equals("::")) {
            return bind;
        }
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!nic.isUp() || nic.isLoopback()) {
                    continue;
                }
                for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                    if (address instanceof Inet4Address) {
                        return address.getHostAddress();
                    }
                }
            }
        } catch (SocketException e) {
            // Fall through to loopback.
        }
        return "127.0.0.1";
    }

    /**
     * Whether {@code host} is an address only this machine or its network reaches: loopback, RFC 1918, link-local,
     * shared address space (100.64.0.0/10, RFC 6598: carrier-grade NAT) or IPv6 unique local (fc00::/7). Names
     * are not resolved: an operator who wrote a name meant it.
     */
    static boolean isPrivate(String host) {
        if (!host.matches("[0-9.]+|.*:.*")) {
            return false;
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            return false;
        }
        byte[] bytes = address.getAddress();
        boolean sharedSpace = address instanceof Inet4Address && (bytes[0] & 0xff) == 100 && (bytes[1] & 0xc0) == 64;
        boolean uniqueLocal = address instanceof Inet6Address && (bytes[0] & 0xfe) == 0xfc;
        return address.isLoopbackAddress() || address.isSiteLocalAddress() || address.isLinkLocalAddress()
                || address.isAnyLocalAddress() || sharedSpace || uniqueLocal;
    }

    static String warning(String host) {
        return "no --public-host: join codes name " + host + ", a private address that peers outside this network cannot"
                + " reach; set --public-host (or public_host in --config) to the name or address peers dial";
    }
}
