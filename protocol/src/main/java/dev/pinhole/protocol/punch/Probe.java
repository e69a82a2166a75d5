package dev.pinhole.protocol.punch;

import java.net.InetSocketAddress;

/**
 * Punch probes: small UDP datagrams the two peers of a session send to each other's candidate
 * addresses to open their NATs and to prove a path works both ways. Each carries a MAC keyed by the
 * session's secret (see {@link ProbeCodec}), so nobody without the secret can make a peer adopt a path.
 */
public sealed interface Probe {
    /** Which side of the session sent it; a peer ignores probes claiming its own role (reflections). */
    enum Role { CONNECTOR, EXPOSER }

    int sessionId();

    Role from();

    /** Matches a pong to its ping; also measures the path's round-trip time. */
    long txid();

    /** "Can you hear me on this path?" */
    record Ping(int sessionId, Role from, long txid) implements Probe {}

    /**
     * "Yes": answers the ping with the same {@code txid}. {@code observed} is the address the ping came
     * from as the answering peer saw it, i.e. the pinger's public address on this path.
     */
    record Pong(int sessionId, Role from, long txid, InetSocketAddress observed) implements Probe {}
}
