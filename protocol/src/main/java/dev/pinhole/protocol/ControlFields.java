package dev.pinhole.protocol;

import static dev.pinhole.protocol.ControlCodec.MAX_SECRET;
import static dev.pinhole.protocol.ControlCodec.MAX_STRING;

import io.netty.buffer.ByteBuf;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The field types of {@link ControlCodec}'s layout (string, bytes, address, big-endian integers, flags), each
 * read strictly: a short or out-of-range field is a {@link ProtocolException} that names the field.
 */
final class ControlFields {
    private ControlFields() {}

    static long count(ByteBuf body, String field) {
        long value = i64(body, field);
        if (value < 0) {
            throw new ProtocolException(field + ": " + Long.toUnsignedString(value) + " (expected: < 2^63)");
        }
        return value;
    }

    static boolean flag(ByteBuf body, String field) {
        int value = u8(body, field);
        if (value > 1) {
            throw new ProtocolException(field + ": " + value + " (expected: 0 or 1)");
        }
        return value == 1;
    }

    static void writeAddress(ByteBuf out, InetSocketAddress address) {
        byte[] ip = address.getAddress().getAddress();
        out.writeByte(ip.length == 4 ? 4 : 6);
        out.writeBytes(ip);
        out.writeShort(address.getPort());
    }

    static InetSocketAddress readAddress(ByteBuf in, String field) {
        int family = u8(in, field + " family");
        if (family != 4 && family != 6) {
            throw new ProtocolException(field + " family: " + family + " (expected: 4 or 6)");
        }
        byte[] ip = new byte[family == 4 ? 4 : 16];
        need(in, ip.length, field + " address");
        in.readBytes(ip);
        int port = u16(in, field + " port");
        if (port == 0) {
            throw new ProtocolException(field + " port: 0 (expected: 1..65535)");
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(ip), port);
        } catch (UnknownHostException e) {
            throw new ProtocolException(field + ": " + e.getMessage());
        }
    }

    static void writeBytes(ByteBuf out, byte[] value) {
        if (value.length > MAX_SECRET) {
            throw new IllegalArgumentException("bytes length: " + value.length + " (expected: <= " + MAX_SECRET + ")");
        }
        out.writeShort(value.length);
        out.writeBytes(value);
    }

    static byte[] readBytes(ByteBuf in, String field) {
        int length = u16(in, field + " length");
        if (length > MAX_SECRET) {
            throw new ProtocolException(field + " length: " + length + " (expected: <= " + MAX_SECRET + ")");
        }
        need(in, length, field);
        byte[] value = new byte[length];
        in.readBytes(value);
        return value;
    }

    static void writeStr(ByteBuf out, String value) {
        int lengthIndex = out.writerIndex();
        out.writeShort(0);
        int length = out.writeCharSequence(value, StandardCharsets.UTF_8);
        if (length > MAX_STRING) {
            throw new IllegalArgumentException("string length: " + length + " (expected: <= " + MAX_STRING + ")");
        }
        out.setShort(lengthIndex, length);
    }

    private static void need(ByteBuf in, int bytes, String field) {
        if (in.readableBytes() < bytes) {
            throw new ProtocolException(field + ": needs " + bytes + " bytes, " + in.readableBytes() + " left");
        }
    }

    static int u8(ByteBuf in, String field) {
        need(in, 1, field);
        return in.readUnsignedByte();
    }

    static int u16(ByteBuf in, String field) {
        need(in, 2, field);
        return in.readUnsignedShort();
    }

    static int i32(ByteBuf in, String field) {
        need(in, 4, field);
        return in.readInt();
    }

    static long i64(ByteBuf in, String field) {
        need(in, 8, field);
        return in.readLong();
    }

    static String readStr(ByteBuf in, String field) {
        int length = u16(in, field + " length");
        if (length > MAX_STRING) {
            throw new ProtocolException(field + " length: " + length + " (expected: <= " + MAX_STRING + ")");
        }
        need(in, length, field);
        try {
            String value = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(in.nioBuffer(in.readerIndex(), length))
                    .toString();
            in.skipBytes(length);
            return value;
        } catch (CharacterCodingException e) {
            throw new ProtocolException(field + ": invalid UTF-8");
        }
    }
}
