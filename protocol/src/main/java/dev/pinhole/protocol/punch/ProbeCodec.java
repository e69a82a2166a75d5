package dev.pinhole.protocol.punch;

import dev.pinhole.protocol.SessionSecret;
import dev.pinhole.protocol.punch.Probe.Ping;
import dev.pinhole.protocol.punch.Probe.Pong;
import dev.pinhole.protocol.punch.Probe.Role;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Wire layout of a {@link Probe} (big-endian):
 *
 * <pre>
 *   u8  0x0C            first byte: RFC 7983/9443 leave 4..15 unassigned (STUN is 0..3, QUIC 64..127, 192..255)
 *   u8  kind            1 ping, 2 pong
 *   u8  role            0 connector, 1 exposer
 *   u8  0               reserved
 *   u32 session id
 *   u64 transaction id
 *   pong only: u8 family (4 or 6) | 4 or 16 address bytes | u16 port   the address the ping came from
 *   16 bytes            HMAC-SHA256(session secret, every byte above), truncated (RFC 2104 section 5)
 *   zero bytes          optional padding, up to {@value #MAX_DATAGRAM} bytes in all
 * </pre>
 *
 * Padding makes a probe as large as the session's packets, so a path that answers a padded ping has
 * carried full-size packets both ways (a path with a smaller MTU, or a middlebox that drops large
 * datagrams, answers only small ones). It is outside the MAC: changing it proves nothing either way.
 *
 * One codec per session, used on one thread (it keeps an initialised {@link Mac}).
 */
public final class ProbeCodec {
    public static final int MAGIC = 0x0C;
    static final int PING = 1;
    static final int PONG = 2;
    /** 128 bits: forging one probe takes 2^128 guesses; the full 256 would only make probes larger. */
    static final int MAC_LENGTH = 16;
    static final int HEADER = 16;
    /** The largest probe without padding: a pong with an IPv6 address. */
    public static final int MAX_LENGTH = HEADER + 1 + 16 + 2 + MAC_LENGTH;
    /** The largest padded probe: the size of a session's QUIC packets on a direct path. */
    public static final int MAX_DATAGRAM = 1350;

    private final Mac mac;

    public ProbeCodec(SessionSecret secret) {
        try {
            mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.bytes(), "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java 17 runtime", e);
        }
    }

    /** True when the datagram's first byte says "probe"; whether it is a valid one is {@link #decode}'s job. */
    public static boolean looksLikeProbe(ByteBuf datagram) {
        return datagram.isReadable() && datagram.getUnsignedByte(datagram.readerIndex()) == MAGIC;
    }

    /** The session id of a datagram that looks like a probe, so the receiver can find the session's codec. */
    public static int sessionOf(ByteBuf datagram) throws ProbeFormatException {
        if (datagram.readableBytes() < HEADER + MAC_LENGTH) {
            throw new ProbeFormatException("probe length: " + datagram.readableBytes() + " (expected: >= " + (HEADER + MAC_LENGTH) + ")");
        }
        return datagram.getInt(datagram.readerIndex() + 4);
    }

    public ByteBuf encode(Probe probe, ByteBufAllocator alloc) {
        return encode(probe, alloc, 0);
    }

    /** Encodes {@code probe}, padded with zeros to {@code padTo} bytes when that is larger. */
    public ByteBuf encode(Probe probe, ByteBufAllocator alloc, int padTo) {
        if (padTo > MAX_DATAGRAM) {
            throw new IllegalArgumentException("padding to " + padTo + " (expected: <= " + MAX_DATAGRAM + ")");
        }
        byte[] out = new byte[MAX_LENGTH];
        int n = 0;
        out[n++] = MAGIC;
        out[n++] = (byte) (probe instanceof Ping ? PING : PONG);
        out[n++] = (byte) probe.from().ordinal();
        out[n++] = 0;
        n = putInt(out, n, probe.sessionId());
        n = putInt(out, n, (int) (probe.txid() >>> 32));
        n = putInt(out, n, (int) probe.txid());
        if (probe instanceof Pong pong) {
            byte[] ip = pong.observed().getAddress().getAddress();
            out[n++] = (byte) (ip.length == 4 ? 4 : 6);
            System.arraycopy(ip, 0, out, n, ip.length);
            n += ip.length;
            out[n++] = (byte) (pong.observed().getPort() >>> 8);
            out[n++] = (byte) pong.observed().getPort();
        }
        mac.update(out, 0, n);
        byte[] tag = mac.doFinal();
        System.arraycopy(tag, 0, out, n, MAC_LENGTH);
        n += MAC_LENGTH;
        ByteBuf buf = alloc.buffer(Math.max(n, padTo)).writeBytes(out, 0, n);
        return buf.writeZero(Math.max(0, padTo - n));
    }

    /** Whether the datagram carries padding (was sent as large as the session's packets). */
    public static boolean padded(ByteBuf datagram) {
        return datagram.readableBytes() > MAX_LENGTH;
    }

    /** Decodes and authenticates a probe; does not release {@code datagram}. */
    public Probe decode(ByteBuf datagram) throws ProbeFormatException {
        int length = datagram.readableBytes();
        if (length < HEADER + MAC_LENGTH || length > MAX_DATAGRAM) {
            throw new ProbeFormatException("probe length: " + length + " (expected: " + (HEADER + MAC_LENGTH) + ".." + MAX_DATAGRAM + ")");
        }
        byte[] in = new byte[Math.min(length, MAX_LENGTH)];
        datagram.getBytes(datagram.readerIndex(), in);
        if ((in[0] & 0xff) != MAGIC) {
            throw new ProbeFormatException("probe magic: " + (in[0] & 0xff) + " (expected: " + MAGIC + ")");
        }
        // Where the MAC sits depends on the kind (and a pong's address family); nothing read here is trusted yet.
        int kind = in[1] & 0xff;
        int body;
        if (kind == PING) {
            body = HEADER;
        } else if (kind == PONG) {
            int family = in.length > HEADER ? in[HEADER] & 0xff : 0;
            if (family != 4 && family != 6) {
                throw new ProbeFormatException("pong address family: " + family + " (expected: 4 or 6)");
            }
            body = HEADER + 1 + (family == 4 ? 4 : 16) + 2;
        } else {
            throw new ProbeFormatException("probe kind: " + kind + " (expected: 1 or 2)");
        }
        if (length < body + MAC_LENGTH) {
            throw new ProbeFormatException("probe length: " + length + " (expected: >= " + (body + MAC_LENGTH) + " for kind " + kind + ")");
        }
        mac.update(in, 0, body);
        byte[] tag = mac.doFinal();
        byte[] got = new byte[MAC_LENGTH];
        System.arraycopy(in, body, got, 0, MAC_LENGTH);
        byte[] want = new byte[MAC_LENGTH];
        System.arraycopy(tag, 0, want, 0, MAC_LENGTH);
        if (!MessageDigest.isEqual(got, want)) {
            throw new ProbeFormatException("probe MAC does not match the session's secret");
        }
        int role = in[2] & 0xff;
        if (role > 1) {
            throw new ProbeFormatException("probe role: " + role + " (expected: 0 or 1)");
        }
        int session = getInt(in, 4);
        long txid = ((long) getInt(in, 8) << 32) | (getInt(in, 12) & 0xffffffffL);
        Role from = Role.values()[role];
        if (kind == PING) {
            return new Ping(session, from, txid);
        }
        int ipLength = body - HEADER - 3;
        byte[] ip = new byte[ipLength];
        System.arraycopy(in, HEADER + 1, ip, 0, ipLength);
        int port = ((in[HEADER + 1 + ipLength] & 0xff) << 8) | (in[HEADER + 2 + ipLength] & 0xff);
        try {
            return new Pong(session, from, txid, new InetSocketAddress(InetAddress.getByAddress(ip), port));
        } catch (UnknownHostException e) {
            throw new ProbeFormatException("pong address: " + e.getMessage());
        }
    }

    private static int putInt(byte[] out, int n, int value) {
        out[n] = (byte) (value >>> 24);
        out[n + 1] = (byte) (value >>> 16);
        out[n + 2] = (byte) (value >>> 8);
        out[n + 3] = (byte) value;
        return n + 4;
    }

    private static int getInt(byte[] in, int n) {
        return ((in[n] & 0xff) << 24) | ((in[n + 1] & 0xff) << 16) | ((in[n + 2] & 0xff) << 8) | (in[n + 3] & 0xff);
    }
}
