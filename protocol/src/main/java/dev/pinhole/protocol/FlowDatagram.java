package dev.pinhole.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * One UDP datagram of a flow, as it travels in a QUIC DATAGRAM frame (RFC 9221) of a session (docs/udp.md, "Wire
 * format"):
 *
 * <pre>
 *   varint flow id (RFC 9000 section 16: 1, 2, 4 or 8 bytes, the top two bits of the first byte give the length)
 *   | payload (the rest: the visitor's datagram as sent, possibly empty)
 * </pre>
 *
 * The connector assigns flow ids, one per visitor address; the exposer answers on the id it was sent.
 */
public final class FlowDatagram {
    /** The largest flow id a varint holds (2^62 - 1). */
    public static final long MAX_FLOW_ID = (1L << 62) - 1;

    private FlowDatagram() {}

    /** Bytes the header of {@code flowId} takes. */
    public static int headerLength(long flowId) {
        if (flowId < 0 || flowId > MAX_FLOW_ID) {
            throw new IllegalArgumentException("flow id: " + flowId + " (expected: 0.." + MAX_FLOW_ID + ")");
        }
        return flowId < 1 << 6 ? 1 : flowId < 1 << 14 ? 2 : flowId < 1L << 30 ? 4 : 8;
    }

    /** A new buffer: the header of {@code flowId}, then {@code payload}'s readable bytes (not consumed). */
    public static ByteBuf encode(ByteBufAllocator alloc, long flowId, ByteBuf payload) {
        int header = headerLength(flowId);
        ByteBuf out = alloc.directBuffer(header + payload.readableBytes());
        switch (header) {
            case 1 -> out.writeByte((int) flowId);
            case 2 -> out.writeShort((int) flowId | 0x4000);
            case 4 -> out.writeInt((int) flowId | 0x8000_0000);
            default -> out.writeLong(flowId | 0xC000_0000_0000_0000L);
        }
        out.writeBytes(payload, payload.readerIndex(), payload.readableBytes());
        return out;
    }

    /**
     * Reads the flow id from {@code datagram}, leaving its reader index at the payload.
     *
     * @throws ProtocolException if the datagram is empty or shorter than its varint says
     */
    public static long readFlowId(ByteBuf datagram) {
        if (!datagram.isReadable()) {
            throw new ProtocolException("flow datagram: empty (expected: a varint flow id, then the payload)");
        }
        int length = 1 << (datagram.getUnsignedByte(datagram.readerIndex()) >> 6);
        if (datagram.readableBytes() < length) {
            throw new ProtocolException("flow id: needs " + length + " bytes, " + datagram.readableBytes() + " left");
        }
        return switch (length) {
            case 1 -> datagram.readUnsignedByte();
            case 2 -> datagram.readUnsignedShort() & 0x3FFF;
            case 4 -> datagram.readUnsignedInt() & 0x3FFF_FFFFL;
            default -> datagram.readLong() & MAX_FLOW_ID;
        };
    }
}
