package dev.pinhole.protocol;

import static dev.pinhole.protocol.ControlFields.count;
import static dev.pinhole.protocol.ControlFields.flag;
import static dev.pinhole.protocol.ControlFields.i32;
import static dev.pinhole.protocol.ControlFields.i64;
import static dev.pinhole.protocol.ControlFields.readAddress;
import static dev.pinhole.protocol.ControlFields.readBytes;
import static dev.pinhole.protocol.ControlFields.readStr;
import static dev.pinhole.protocol.ControlFields.u16;
import static dev.pinhole.protocol.ControlFields.u8;
import static dev.pinhole.protocol.ControlFields.writeAddress;
import static dev.pinhole.protocol.ControlFields.writeBytes;
import static dev.pinhole.protocol.ControlFields.writeStr;

import dev.pinhole.protocol.ControlMessage.Candidates;
import dev.pinhole.protocol.ControlMessage.Close;
import dev.pinhole.protocol.ControlMessage.Error;
import dev.pinhole.protocol.ControlMessage.Hello;
import dev.pinhole.protocol.ControlMessage.Incoming;
import dev.pinhole.protocol.ControlMessage.NatInfo;
import dev.pinhole.protocol.ControlMessage.Open;
import dev.pinhole.protocol.ControlMessage.Opened;
import dev.pinhole.protocol.ControlMessage.PathReport;
import dev.pinhole.protocol.ControlMessage.Ping;
import dev.pinhole.protocol.ControlMessage.Pong;
import dev.pinhole.protocol.ControlMessage.Publish;
import dev.pinhole.protocol.ControlMessage.Published;
import dev.pinhole.protocol.ControlMessage.Register;
import dev.pinhole.protocol.ControlMessage.Registered;
import dev.pinhole.protocol.ControlMessage.Relay;
import dev.pinhole.protocol.ControlMessage.Traffic;
import dev.pinhole.protocol.ControlMessage.Welcome;
import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Body layout of one control frame (the 4-byte length prefix is {@link FrameDecoder}'s), one line per message
 * type. {@code ControlCodecTest.everyMessageEncodesToItsGoldenBytes} pins each line to bytes: a change here
 * breaks old peers even when both sides of a round trip agree.
 *
 * <pre>
 *   u8 type | fields...
 *   string  = u16 byte length | UTF-8 bytes (at most {@value #MAX_STRING} bytes)
 *   port    = u16, int = u32 big-endian, long = u64 big-endian
 *   bytes   = u16 length | bytes (at most {@value #MAX_SECRET})
 *   address = u8 family (4 or 6) | 4 or 16 address bytes | u16 port (not 0)
 *   Hello      = u8 1 | u16 version | string token | string software
 *   Welcome    = u8 2 | u16 version | string peer id | string software | port STUN | port STUN alternate (0: none)
 *   Error      = u8 3 | u32 request | string code (an ErrorCode by name; OTHER if unknown) | string message
 *                (request 0: about the connection, then close; TOKEN_REVOKED there is fatal to the peer's sessions)
 *   Register   = u8 4 | u32 request | string name | port | u8 count (at most {@value #MAX_ALLOWED_PEERS}; 0: any peer)
 *                | string allowed peer... (a key fingerprint sha256:..., or label:LABEL)
 *                | u8 carries (1: TCP, 2: UDP, 3: both; docs/udp.md)
 *   Registered = u8 5 | u32 request | string name
 *   Open       = u8 6 | u32 request | string name
 *   Opened     = u8 7 | u32 request | u32 session | string name | string key | port | bytes secret
 *                | u8 exposer flags (bit 0: hard, bit 1: relay only) | u8 carries (as in Register)
 *   Incoming   = u8 8 | u32 session | string name | string key | bytes secret
 *   Relay      = u8 9 | u32 session | u16 segment size (0: one packet; else at most {@value #MAX_RELAY_SEGMENTS}
 *                segments in the payload) | payload (rest of the frame)
 *   Close      = u8 10 | u32 session | string reason
 *   Ping       = u8 11 | u64 nonce
 *   Pong       = u8 12 | u64 nonce
 *   Candidates = u8 13 | u32 session | u8 flags (bit 0: hard, bit 1: reflexive present) | [address reflexive]
 *                | u8 count (at most {@value #MAX_CANDIDATES}) | address...
 *   NatInfo    = u8 14 | u8 flags (bit 0: UDP works, bit 1: hard, bit 2: has IPv6 host candidates, bit 3: relay only)
 *   PathReport = u8 15 | u32 session | u8 direct (0/1)
 *   Publish    = u8 16 | u32 request | string name | u8 kind (1: TCP, 2: HTTP, 3: HTTPS, 4: UDP)
 *                | u16 port (TCP and UDP; 0: any allowed)
 *                | string basic auth (USER:PASS or empty) | u8 count (at most {@value #MAX_ALLOW}) | string block...
 *                | string host header (empty: the visitor's; else printable ASCII, no spaces, at most 255 bytes)
 *   Published  = u8 17 | u32 request | string name | string url
 *   Traffic    = u8 18 | u32 session | u64 bytes sent | u64 bytes received (cumulative, not negative)
 *   ListNames  = u8 19 | u32 request
 *   Names      = u8 20 | u32 request | u32 total owned | u16 count (at most {@value #MAX_NAMES_LISTED})
 *                | (string name | string token id (empty: none) | u64 created (epoch s) | u8 online (0/1))...
 *   ReleaseName  = u8 21 | u32 request | string name
 *   NameReleased = u8 22 | u32 request | string name
 * </pre>
 *
 * Decoding is strict: unknown types, short fields, invalid UTF-8 and trailing bytes are errors.
 */
public final class ControlCodec {
    /** Tokens, names and reasons are short; a long string is an attack or a bug. */
    public static final int MAX_STRING = 1024;
    /** Session secrets are 32 bytes; room for a longer key later, no room for abuse. */
    public static final int MAX_SECRET = 64;
    /** Host addresses plus a reflexive one: a peer with more than this many is trimmed by its sender. */
    public static final int MAX_CANDIDATES = 16;
    /**
     * Packets in one Relay frame: senders batch at most 40 (the QUIC stack's GSO batches), and the kernel's GSO
     * takes at most 64. A smaller segment size would make one frame thousands of packets for the receiver's
     * event loop to split and decrypt (docs/security.md, "Limits: hole punching and STUN").
     */
    public static final int MAX_RELAY_SEGMENTS = 64;
    /** Address blocks in one service's allow list: a handful of offices and homes, not a firewall. */
    public static final int MAX_ALLOW = 32;
    /**
     * Entries in one service's peer allow list: a person's devices and a few friends. A group larger than this is
     * better served by a token of its own, named once as {@code label:LABEL}; the rendezvous scans the list on
     * every Open (docs/security.md, "Who may connect to a service").
     */
    public static final int MAX_ALLOWED_PEERS = 32;
    /**
     * Names in one {@code Names} reply: far above the default of 32 per identity, and small enough that the largest
     * entries (a 63-byte name, a token id, 11 bytes of fields: about 90 bytes) fit a 65535-byte frame.
     */
    public static final int MAX_NAMES_LISTED = 500;

    static final int HELLO = 1;
    static final int WELCOME = 2;
    static final int ERROR = 3;
    static final int REGISTER = 4;
    static final int REGISTERED = 5;
    static final int OPEN = 6;
    static final int OPENED = 7;
    static final int INCOMING = 8;
    static final int RELAY = 9;
    static final int CLOSE = 10;
    static final int PING = 11;
    static final int PONG = 12;
    static final int CANDIDATES = 13;
    static final int NAT_INFO = 14;
    static final int PATH_REPORT = 15;
    static final int PUBLISH = 16;
    static final int PUBLISHED = 17;
    static final int TRAFFIC = 18;
    static final int LIST_NAMES = 19;
    static final int NAMES = 20;
    static final int RELEASE_NAME = 21;
    static final int NAME_RELEASED = 22;
    /** The highest type number: decoding refuses any above it. */
    static final int LAST_TYPE = NAME_RELEASED;

    private ControlCodec() {}

    public static void encode(ControlMessage message, ByteBuf out) {
        if (message instanceof Hello m) {
            out.writeByte(HELLO);
            out.writeShort(m.version());
            writeStr(out, m.token());
            writeStr(out, m.software());
        } else if (message instanceof Welcome m) {
            out.writeByte(WELCOME);
            out.writeShort(m.version());
            writeStr(out, m.peerId());
            writeStr(out, m.software());
            out.writeShort(m.stunPort());
            out.writeShort(m.stunAltPort());
        } else if (message instanceof Error m) {
            out.writeByte(ERROR);
            out.writeInt(m.requestId());
            writeStr(out, m.code().name());
            writeStr(out, m.message());
        } else if (message instanceof Register m) {
            out.writeByte(REGISTER);
            out.writeInt(m.requestId());
            writeStr(out, m.name());
            out.writeShort(m.port());
            if (m.allowPeers().size() > MAX_ALLOWED_PEERS) {
                throw new IllegalArgumentException("allowed peers: " + m.allowPeers().size() + " (expected: <= "
                        + MAX_ALLOWED_PEERS + ")");
            }
            out.writeByte(m.allowPeers().size());
            m.allowPeers().forEach(entry -> writeStr(out, entry.text()));
            out.writeByte(m.carries().bits());
        } else if (message instanceof Registered m) {
            out.writeByte(REGISTERED);
            out.writeInt(m.requestId());
            writeStr(out, m.name());
        } else if (message instanceof Open m) {
            out.writeByte(OPEN);
            out.writeInt(m.requestId());
            writeStr(out, m.name());
        } else if (message instanceof Opened m) {
            out.writeByte(OPENED);
            out.writeInt(m.requestId());
            out.writeInt(m.sessionId());
            writeStr(out, m.name());
            writeStr(out, m.peerKey());
            out.writeShort(m.port());
            writeBytes(out, m.secret().bytes());
            out.writeByte((m.exposerHard() ? 1 : 0) | (m.exposerRelayOnly() ? 2 : 0));
            out.writeByte(m.carries().bits());
        } else if (message instanceof Publish m) {
            out.writeByte(PUBLISH);
            out.writeInt(m.requestId());
            writeStr(out, m.name());
            out.writeByte(m.kind().byteValue());
            out.writeShort(m.port());
            writeStr(out, m.basicAuth());
            if (m.allowFrom().size() > MAX_ALLOW) {
                throw new IllegalArgumentException("allow list: " + m.allowFrom().size() + " blocks (expected: <= " + MAX_ALLOW + ")");
            }
            out.writeByte(m.allowFrom().size());
            m.allowFrom().forEach(block -> writeStr(out, block.toString()));
            writeStr(out, m.hostHeader());
        } else if (message instanceof Published m) {
            out.writeByte(PUBLISHED);
            out.writeInt(m.requestId());
            writeStr(out, m.name());
            writeStr(out, m.url());
        } else if (message instanceof Traffic m) {
            out.writeByte(TRAFFIC);
            out.writeInt(m.sessionId());
            out.writeLong(m.sentBytes());
            out.writeLong(m.receivedBytes());
        } else if (message instanceof PathReport m) {
            out.writeByte(PATH_REPORT);
            out.writeInt(m.sessionId());
            out.writeByte(m.direct() ? 1 : 0);
        } else if (message instanceof NatInfo m) {
            out.writeByte(NAT_INFO);
            out.writeByte((m.udp() ? 1 : 0) | (m.hard() ? 2 : 0) | (m.ipv6() ? 4 : 0) | (m.relayOnly() ? 8 : 0));
        } else if (message instanceof Incoming m) {
            out.writeByte(INCOMING);
            out.writeInt(m.sessionId());
            writeStr(out, m.name());
            writeStr(out, m.peerKey());
            writeBytes(out, m.secret().bytes());
        } else if (message instanceof Candidates m) {
            if (m.hosts().size() > MAX_CANDIDATES) {
                throw new IllegalArgumentException("candidates: " + m.hosts().size() + " (expected: <= " + MAX_CANDIDATES + ")");
            }
            out.writeByte(CANDIDATES);
            out.writeInt(m.sessionId());
            out.writeByte((m.hard() ? 1 : 0) | (m.reflexive() != null ? 2 : 0));
            if (m.reflexive() != null) {
                writeAddress(out, m.reflexive());
            }
            out.writeByte(m.hosts().size());
            for (InetSocketAddress address : m.hosts()) {
                writeAddress(out, address);
            }
        } else if (message instanceof Relay m) {
            out.writeByte(RELAY);
            out.writeInt(m.sessionId());
            out.writeShort(m.segmentSize());
            out.writeBytes(m.payload(), m.payload().readerIndex(), m.payload().readableBytes());
        } else if (message instanceof Close m) {
            out.writeByte(CLOSE);
            out.writeInt(m.sessionId());
            writeStr(out, m.reason());
        } else if (message instanceof Ping m) {
            out.writeByte(PING);
            out.writeLong(m.nonce());
        } else if (message instanceof Pong m) {
            out.writeByte(PONG);
            out.writeLong(m.nonce());
        } else if (!NameCodec.encode(message, out)) {
            throw new IllegalArgumentException("unknown message: " + message);
        }
    }

    /**
     * Decodes one whole frame body. A {@link Relay}'s payload is a retained slice of {@code body}:
     * the caller releases the message.
     */
    public static ControlMessage decode(ByteBuf body) {
        int type = u8(body, "message type");
        ControlMessage message = switch (type) {
            case HELLO -> new Hello(u16(body, "version"), readStr(body, "token"), readStr(body, "software"));
            case WELCOME -> new Welcome(u16(body, "version"), readStr(body, "peer id"), readStr(body, "software"),
                    u16(body, "STUN port"), u16(body, "STUN alternate port"));
            case ERROR -> new Error(i32(body, "request id"), ErrorCode.parse(readStr(body, "error code")), readStr(body, "error message"));
            case REGISTER -> register(body);
            case REGISTERED -> new Registered(i32(body, "request id"), readStr(body, "name"));
            case OPEN -> new Open(i32(body, "request id"), readStr(body, "name"));
            case OPENED -> opened(body);
            case NAT_INFO -> natInfo(u8(body, "NAT flags"));
            case PATH_REPORT -> new PathReport(i32(body, "session id"), flag(body, "direct"));
            case TRAFFIC -> new Traffic(i32(body, "session id"), count(body, "bytes sent"),
                    count(body, "bytes received"));
            case PUBLISH -> publish(body);
            case PUBLISHED -> new Published(i32(body, "request id"), readStr(body, "name"), readStr(body, "url"));
            case INCOMING -> new Incoming(i32(body, "session id"), readStr(body, "name"), readStr(body, "peer key"),
                    new SessionSecret(readBytes(body, "secret")));
            case CANDIDATES -> candidates(body);
            case RELAY -> relay(body);
            case CLOSE -> new Close(i32(body, "session id"), readStr(body, "reason"));
            case PING -> new Ping(i64(body, "nonce"));
            case PONG -> new Pong(i64(body, "nonce"));
            case LIST_NAMES, NAMES, RELEASE_NAME, NAME_RELEASED -> NameCodec.decode(type, body);
            default -> throw new ProtocolException("message type: " + type + " (expected: 1.." + LAST_TYPE + ")");
        };
        if (body.isReadable()) {
            throw new ProtocolException("trailing bytes after message type " + type + ": " + body.readableBytes());
        }
        return message;
    }

    private static Relay relay(ByteBuf body) {
        int session = i32(body, "session id");
        int segmentSize = u16(body, "segment size");
        int length = body.readableBytes();
        if (segmentSize > 0 && (length + segmentSize - 1) / segmentSize > MAX_RELAY_SEGMENTS) {
            throw new ProtocolException("relay segment size: " + segmentSize + " for " + length
                    + " payload bytes (expected: 0, or at most " + MAX_RELAY_SEGMENTS + " segments per frame)");
        }
        return new Relay(session, segmentSize, body.readRetainedSlice(length));
    }

    private static Register register(ByteBuf body) {
        int requestId = i32(body, "request id");
        String name = readStr(body, "name");
        int port = u16(body, "port");
        int count = u8(body, "allowed peer count");
        if (count > MAX_ALLOWED_PEERS) {
            throw new ProtocolException("allowed peer count: " + count + " (expected: <= " + MAX_ALLOWED_PEERS + ")");
        }
        List<AllowedPeer> allowed = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            try {
                allowed.add(AllowedPeer.parse(readStr(body, "allowed peer " + i)));
            } catch (IllegalArgumentException e) {
                throw new ProtocolException("allowed peer " + i + ": " + e.getMessage());
            }
        }
        return new Register(requestId, name, port, allowed, Carries.ofBits(u8(body, "carries")));
    }

    private static Publish publish(ByteBuf body) {
        int requestId = i32(body, "request id");
        String name = readStr(body, "name");
        Publish.Kind kind = Publish.Kind.valueOf(u8(body, "kind"));
        int port = u16(body, "port");
        String basicAuth = readStr(body, "basic auth");
        if (!basicAuth.isEmpty() && basicAuth.indexOf(':') < 1) {
            throw new ProtocolException("basic auth: no USER: part (expected: USER:PASS or empty)");
        }
        int count = u8(body, "allow count");
        if (count > MAX_ALLOW) {
            throw new ProtocolException("allow count: " + count + " (expected: <= " + MAX_ALLOW + ")");
        }
        List<Cidr> allow = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            try {
                allow.add(Cidr.parse(readStr(body, "allow " + i)));
            } catch (IllegalArgumentException e) {
                throw new ProtocolException("allow " + i + ": " + e.getMessage());
            }
        }
        String hostHeader = readStr(body, "host header");
        if (hostHeader.length() > 255 || !hostHeader.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new ProtocolException("host header: " + hostHeader.length() + " characters, or not printable ASCII"
                    + " (expected: a host[:port] of at most 255)");
        }
        return new Publish(requestId, name, kind, port, basicAuth, allow, hostHeader);
    }

    private static NatInfo natInfo(int flags) {
        if ((flags & ~15) != 0) {
            throw new ProtocolException("NAT flags: " + flags + " (expected: 0..15)");
        }
        return new NatInfo((flags & 1) != 0, (flags & 2) != 0, (flags & 4) != 0, (flags & 8) != 0);
    }

    private static Opened opened(ByteBuf body) {
        int requestId = i32(body, "request id");
        int sessionId = i32(body, "session id");
        String name = readStr(body, "name");
        String key = readStr(body, "peer key");
        int port = u16(body, "port");
        SessionSecret secret = new SessionSecret(readBytes(body, "secret"));
        int flags = u8(body, "exposer flags");
        if ((flags & ~3) != 0) {
            throw new ProtocolException("exposer flags: " + flags + " (expected: 0..3)");
        }
        return new Opened(requestId, sessionId, name, key, port, secret, (flags & 1) != 0, (flags & 2) != 0,
                Carries.ofBits(u8(body, "carries")));
    }

    private static Candidates candidates(ByteBuf body) {
        int session = i32(body, "session id");
        int flags = u8(body, "flags");
        if ((flags & ~3) != 0) {
            throw new ProtocolException("candidate flags: " + flags + " (expected: 0..3)");
        }
        InetSocketAddress reflexive = (flags & 2) != 0 ? readAddress(body, "reflexive candidate") : null;
        int count = u8(body, "candidate count");
        if (count > MAX_CANDIDATES) {
            throw new ProtocolException("candidate count: " + count + " (expected: <= " + MAX_CANDIDATES + ")");
        }
        List<InetSocketAddress> addresses = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            addresses.add(readAddress(body, "candidate " + i));
        }
        return new Candidates(session, (flags & 1) != 0, reflexive, List.copyOf(addresses));
    }
}
