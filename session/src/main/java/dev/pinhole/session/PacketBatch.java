package dev.pinhole.session;

import dev.pinhole.protocol.ControlCodec;
import io.netty.buffer.ByteBuf;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.quic.SegmentedDatagramPacketAllocator;
import java.net.InetSocketAddress;
import java.util.function.Consumer;

/**
 * Several QUIC packets of one session back to back, each {@code segmentSize} bytes but the last (the
 * layout of UDP GSO). The QUIC stack hands them over this way when asked (see {@link #ALLOCATOR}); a
 * relay path sends a batch as one frame and a direct path as one GSO send, so the per-packet cost of
 * small (MTU-sized) QUIC packets is paid once per batch on the way out.
 */
public final class PacketBatch extends DatagramPacket {
    /**
     * 40 segments of {@link QuicSettings#UDP_PAYLOAD} bytes fit one relay frame (65535 bytes) and the
     * kernel's GSO limits (64 segments, 64 KiB).
     */
    static final int MAX_SEGMENTS = 40;

    static final SegmentedDatagramPacketAllocator ALLOCATOR = new SegmentedDatagramPacketAllocator() {
        @Override
        public int maxNumSegments() {
            return MAX_SEGMENTS;
        }

        @Override
        public DatagramPacket newPacket(ByteBuf buffer, int segmentSize, InetSocketAddress remoteAddress) {
            return new PacketBatch(buffer, segmentSize, remoteAddress);
        }
    };

    private final int segmentSize;

    PacketBatch(ByteBuf content, int segmentSize, InetSocketAddress recipient) {
        super(content, recipient);
        this.segmentSize = segmentSize;
    }

    public int segmentSize() {
        return segmentSize;
    }

    /**
     * Calls {@code each} with every packet of {@code packets} laid out as described above, as retained
     * slices, then releases {@code packets}. {@code segmentSize} 0 means one packet. A batch of more than
     * {@link ControlCodec#MAX_RELAY_SEGMENTS} packets is dropped whole: no sender makes one, and splitting it
     * would cost the event loop a packet per byte (the decoder already refuses such Relay frames).
     */
    public static void split(ByteBuf packets, int segmentSize, Consumer<ByteBuf> each) {
        try {
            int length = packets.readableBytes();
            if (segmentSize > 0 && (length + segmentSize - 1) / segmentSize > ControlCodec.MAX_RELAY_SEGMENTS) {
                return;
            }
            if (segmentSize <= 0 || length <= segmentSize) {
                each.accept(packets.retain());
                return;
            }
            while (packets.isReadable()) {
                each.accept(packets.readRetainedSlice(Math.min(segmentSize, packets.readableBytes())));
            }
        } finally {
            packets.release();
        }
    }
}
