package dev.pinhole.diagnostics;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The STUN servers {@code diagnostics nat-type} asks when the user names none (docs/operations.md, "NAT type out
 * of the box"): {@code --server}, else {@link #ENV}, else the rendezvous from {@code peer login}, else the
 * {@link #BUILT_IN} public ones.
 */
final class StunServers {
    /** Comma-separated HOST[:PORT], at most two: a user's standing choice, and how tests point at loopback servers. */
    static final String ENV = "PINHOLE_STUN_SERVERS";

    /**
     * Public servers run by large operators for WebRTC, long-lived and answering plain RFC 8489 Binding requests
     * from anyone. Two answering servers are enough for the mapping test (the same socket's mapping seen from two
     * addresses); they have one address each, so filtering needs an RFC 5780 server such as a Pinhole rendezvous
     * given an --alt-address. The rest are spares for when one does not resolve.
     */
    static final List<String> BUILT_IN = List.of(
            "stun.l.google.com:19302",
            "stun.cloudflare.com:3478",
            "stun1.l.google.com:19302",
            "stun.nextcloud.com:3478");

    private StunServers() {}

    /** The addresses of {@code HOST[:PORT],HOST[:PORT]}, unresolved; IllegalArgumentException names the bad one. */
    static List<InetSocketAddress> parseList(String list) {
        List<InetSocketAddress> servers = new ArrayList<>();
        for (String server : list.split(",")) {
            if (!server.isBlank()) {
                servers.add(parse(server.strip()));
            }
        }
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("'" + list + "'");
        }
        return servers;
    }

    /** {@code HOST[:PORT]} (IPv6 in brackets when a port follows), unresolved; the port defaults to 3478. */
    static InetSocketAddress parse(String server) {
        int colon = server.lastIndexOf(':');
        boolean hasPort = colon > 0 && server.indexOf(':') == colon || server.startsWith("[") && server.contains("]:");
        String host = hasPort ? server.substring(0, colon) : server;
        int port;
        try {
            port = hasPort ? Integer.parseInt(server.substring(colon + 1)) : NatTypeCommand.DEFAULT_STUN_PORT;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(server);
        }
        host = host.replace("[", "").replace("]", "");
        if (host.isEmpty() || port < 1 || port > 65535) {
            throw new IllegalArgumentException(server);
        }
        return InetSocketAddress.createUnresolved(host, port);
    }
}
