package dev.pinhole.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCounted;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * Messages between a peer and the rendezvous, one per frame (see {@link ControlCodec} for the layout).
 * Request/response pairs carry a {@code requestId} chosen by the peer; 0 means "about the connection".
 */
public sealed interface ControlMessage {

    /**
     * The protocol version this build speaks; a {@link Hello} with another is refused with
     * {@link ErrorCode#UNSUPPORTED_VERSION}. 2: {@link Register} carries the allow list, and the name messages
     * (types 19 to 22) exist. The layouts of {@link Hello} and {@link Error} never change, so that any two versions
     * can tell each other that they do not match (docs/architecture.md, "Control protocol").
     */
    int VERSION = 2;

    /** Peer to server, first message after TLS. The peer's identity is its TLS client certificate. */
    record Hello(int version, String token, String software) implements ControlMessage {}

    /**
     * Server to peer: logged in. {@code peerId} is the fingerprint of the peer's key as the server saw it;
     * {@code stunPort} and {@code stunAltPort} are the server's STUN ports on the join code's address (0: none).
     * Two ports let a peer tell whether its NAT's mapping depends on the destination (a "hard" NAT).
     */
    record Welcome(int version, String peerId, String software, int stunPort, int stunAltPort) implements ControlMessage {}

    record Error(int requestId, ErrorCode code, String message) implements ControlMessage {}

    /**
     * Peer to server: publish a service under {@code name}; {@code port} is the local port, a hint for connectors.
     * {@code allowPeers} (empty: every peer of the rendezvous) are the only peers that may open sessions to it
     * ({@code peer expose --allow-peer}; docs/security.md, "Who may connect to a service"). {@code carries}: TCP, UDP
     * or both (docs/udp.md).
     */
    record Register(int requestId, String name, int port, List<AllowedPeer> allowPeers, Carries carries)
            implements ControlMessage {
        public Register {
            allowPeers = List.copyOf(allowPeers);
        }
    }

    record Registered(int requestId, String name) implements ControlMessage {}

    /**
     * Peer to server, after {@link Registered}: make the service reachable from the internet without a
     * peer, as {@code kind} says. {@code port}: the public TCP or UDP port, 0 for any the operator allows (TCP and
     * UDP only).
     * {@code basicAuth} ({@code USER:PASS}, empty for none) guards HTTP; {@code allowFrom} (address
     * blocks, empty for everyone) limits who may connect at all; {@code hostHeader} (HTTP, empty to keep
     * the visitor's) replaces the Host header, for services that check it (dev servers do).
     */
    record Publish(int requestId, String name, Kind kind, int port, String basicAuth, List<Cidr> allowFrom,
                   String hostHeader) implements ControlMessage {
        /** The public ingress asked for; {@link #byteValue()} is its byte on the wire (see {@link ControlCodec}). */
        public enum Kind {
            /** A public TCP port. */
            TCP(1),
            /** HTTP by Host header under the server's domain. */
            HTTP(2),
            /** TLS passthrough by server name (SNI) under the server's domain. */
            HTTPS(3),
            /** A public UDP port (docs/udp.md, "Public UDP ports"). */
            UDP(4);

            private final byte byteValue;

            Kind(int byteValue) {
                this.byteValue = (byte) byteValue;
            }

            public byte byteValue() {
                return byteValue;
            }

            /** The kind whose wire byte is {@code byteValue}; fails closed on any other value. */
            public static Kind valueOf(int byteValue) {
                for (Kind kind : values()) {
                    if (kind.byteValue == byteValue) {
                        return kind;
                    }
                }
                throw new ProtocolException("publish kind: " + byteValue + " (expected: 1..4)");
            }
        }

        public Publish {
            allowFrom = List.copyOf(allowFrom);
        }

        /** A public TCP port ({@code port} 0: any the operator allows), open to everyone. */
        public static Publish tcp(int requestId, String name, int port) {
            return new Publish(requestId, name, Kind.TCP, port, "", List.of(), "");
        }

        /** A public UDP port ({@code port} 0: any the operator allows), open to everyone. */
        public static Publish udp(int requestId, String name, int port) {
            return new Publish(requestId, name, Kind.UDP, port, "", List.of(), "");
        }

        /** HTTP by Host header, open to everyone, without a password and with the visitor's Host header. */
        public static Publish http(int requestId, String name) {
            return new Publish(requestId, name, Kind.HTTP, 0, "", List.of(), "");
        }

        /** TLS passthrough by server name, open to everyone. */
        public static Publish https(int requestId, String name) {
            return new Publish(requestId, name, Kind.HTTPS, 0, "", List.of(), "");
        }
    }

    /** Server to peer: published; {@code url} is what to give people, e.g. {@code tcp://rv.example.org:20005}. */
    record Published(int requestId, String name, String url) implements ControlMessage {}

    /** Peer to server: start a session with the owner of {@code name}. */
    record Open(int requestId, String name) implements ControlMessage {}

    /**
     * Server to the connecting peer: session created; {@code peerKey} is the exposer's key fingerprint,
     * {@code port} the exposed service's local port (connectors listen on the same one when free).
     * {@code exposerHard} and {@code exposerRelayOnly} are what the exposer said in its {@link NatInfo}: the
     * connector decides from them whether the session can ever go direct, and so its packet size. {@code carries}
     * is what the exposer registered: a connector asking for UDP of a TCP-only name (or the reverse) stops there.
     */
    record Opened(int requestId, int sessionId, String name, String peerKey, int port, SessionSecret secret,
                  boolean exposerHard, boolean exposerRelayOnly, Carries carries) implements ControlMessage {}

    /**
     * Peer to server, after each STUN round that changed it: what this peer learnt about its NAT. {@code udp}:
     * STUN answered; {@code hard}: the NAT maps each destination to another port; {@code ipv6}: the peer has IPv6
     * host candidates, which need no NAT traversal at all; {@code relayOnly}: the peer takes no direct path at all
     * ({@code --relay-only}: it runs no STUN and answers no probe), sent once right after login. The server passes the
     * exposer's {@code hard} and {@code relayOnly} on in {@link Opened}: two hard sides, or a relay-only exposer, will
     * stay on the relay, and a session known to stay there uses large packets and no punch rounds (docs/direct-paths.md).
     */
    record NatInfo(boolean udp, boolean hard, boolean ipv6, boolean relayOnly) implements ControlMessage {}

    /**
     * Peer to server, when a session's path changes: {@code direct} or back on the relay. For the operator's
     * dashboard and metrics (sessions by path, punch successes). A fallback to the relay is also passed on to
     * the other peer, which follows at once instead of sending into the dead path until it notices.
     */
    record PathReport(int sessionId, boolean direct) implements ControlMessage {}

    /**
     * Connector to server, every few seconds while it changes: the session's bytes so far (QUIC's own count,
     * both paths), which only the peers know once a session is direct. For the dashboard; nothing is forwarded.
     */
    record Traffic(int sessionId, long sentBytes, long receivedBytes) implements ControlMessage {}

    /**
     * Server to the exposer: someone opened a session; {@code peerKey} is the connector's key fingerprint.
     * {@code secret} (also in {@link Opened}) keys the MAC of the two peers' punch probes for this session.
     */
    record Incoming(int sessionId, String name, String peerKey, SessionSecret secret) implements ControlMessage {}

    /**
     * Peer to server to the other peer of a session: "probe me at these addresses now" (Tailscale's
     * CallMeMaybe). {@code reflexive} is the sender's public address as the server's STUN saw it (null when
     * unknown), {@code hosts} its own interface addresses. {@code hard} says the sender's NAT maps each
     * destination to a different public port, so the other side must guess ports (docs/direct-paths.md).
     * The server forwards it unchanged to the other side of the session.
     */
    record Candidates(int sessionId, boolean hard, InetSocketAddress reflexive, List<InetSocketAddress> hosts)
            implements ControlMessage {}

    /**
     * Opaque session packets (QUIC datagrams), forwarded by session id. The server never reads them.
     * {@code segmentSize} 0: the payload is one packet; else it is packets of that size back to back, the
     * last one possibly shorter (the layout of UDP GSO, which is how the QUIC stack hands them over).
     * The payload is reference counted: whoever consumes the message releases it.
     */
    record Relay(int sessionId, int segmentSize, ByteBuf payload) implements ControlMessage, ReferenceCounted {
        @Override public int refCnt() { return payload.refCnt(); }
        @Override public Relay retain() { payload.retain(); return this; }
        @Override public Relay retain(int increment) { payload.retain(increment); return this; }
        @Override public Relay touch() { payload.touch(); return this; }
        @Override public Relay touch(Object hint) { payload.touch(hint); return this; }
        @Override public boolean release() { return payload.release(); }
        @Override public boolean release(int decrement) { return payload.release(decrement); }
    }

    /** Either direction: the session is over (the other side left, or a peer gave up on it). */
    record Close(int sessionId, String reason) implements ControlMessage {}

    record Ping(long nonce) implements ControlMessage {}

    // Names a peer owns: 'peer names' and 'peer release' (docs/cli.md, "peer names and peer release").

    /** Peer to server: which names does my identity own on this rendezvous? */
    record ListNames(int requestId) implements ControlMessage {}

    /**
     * Server to peer: the names the asking identity owns, by name; at most {@link ControlCodec#MAX_NAMES_LISTED} of
     * them, of {@code total} in all.
     */
    record Names(int requestId, int total, List<Entry> names) implements ControlMessage {
        /**
         * @param tokenId   the token the name was registered with (revoking it releases the name), empty if none
         * @param createdAt epoch second of the first registration
         * @param online    whether some connection of the owner exposes it right now
         */
        public record Entry(String name, String tokenId, long createdAt, boolean online) {}

        public Names {
            names = List.copyOf(names);
        }
    }

    /** Peer to server: give up a name this identity owns, so that any identity may register it next. */
    record ReleaseName(int requestId, String name) implements ControlMessage {}

    /** Server to peer: released; a connection that exposed it has taken it offline. */
    record NameReleased(int requestId, String name) implements ControlMessage {}

    record Pong(long nonce) implements ControlMessage {}
}
