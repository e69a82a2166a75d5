package dev.pinhole.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCounted;

/**
 * Messages between a peer and the rendezvous, one per frame (see {@link ControlCodec} for the layout).
 * Request/response pairs carry a {@code requestId} chosen by the peer; 0 means "about the connection".
 */
public sealed interface ControlMessage {

    /** The protocol version this build speaks; a {@link Hello} with another is refused. */
    int VERSION = 1;

    /** Peer to server, first message after TLS. The peer's identity is its TLS client certificate. */
    record Hello(int version, String token, String software) implements ControlMessage {}

    /** Server to peer: logged in. {@code peerId} is the fingerprint of the peer's key as the server saw it. */
    record Welcome(int version, String peerId, String software) implements ControlMessage {}

    record Error(int requestId, ErrorCode code, String message) implements ControlMessage {}

    /** Peer to server: publish a service under {@code name}; {@code port} is the local port, a hint for connectors. */
    record Register(int requestId, String name, int port) implements ControlMessage {}

    record Registered(int requestId, String name) implements ControlMessage {}

    /** Peer to server: start a session with the owner of {@code name}. */
    record Open(int requestId, String name) implements ControlMessage {}

    /**
     * Server to the connecting peer: session created; {@code peerKey} is the exposer's key fingerprint,
     * {@code port} the exposed service's local port (connectors listen on the same one when free).
     */
    record Opened(int requestId, int sessionId, String name, String peerKey, int port) implements ControlMessage {}

    /** Server to the exposer: someone opened a session; {@code peerKey} is the connector's key fingerprint. */
    record Incoming(int sessionId, String name, String peerKey) implements ControlMessage {}

    /**
     * One opaque session packet (a QUIC datagram), forwarded by session id. The server never reads it.
     * The payload is reference counted: whoever consumes the message releases it.
     */
    record Relay(int sessionId, ByteBuf payload) implements ControlMessage, ReferenceCounted {
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

    record Pong(long nonce) implements ControlMessage {}
}
