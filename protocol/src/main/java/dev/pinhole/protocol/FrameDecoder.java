package dev.pinhole.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderException;
import java.util.List;

/**
 * Splits the control stream into frames ({@code u32 length | body}) and decodes each body with
 * {@link ControlCodec}. An oversized or malformed frame fails the stream: after it nothing can be
 * trusted to be aligned, so the decoder discards all further input and the handler after it closes.
 */
public final class FrameDecoder extends ByteToMessageDecoder {
    /** A QUIC packet (at most 65527 bytes of UDP payload) plus the relay header fits. */
    public static final int MAX_FRAME = 65535;

    private boolean failed;

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        while (in.readableBytes() >= 4) {
            long length = in.getUnsignedInt(in.readerIndex());
            if (length > MAX_FRAME || length == 0) {
                failed = true;
                in.skipBytes(in.readableBytes());
                throw new DecoderException(new ProtocolException(
                        "frame length: " + length + " (expected: 1.." + MAX_FRAME + ")"));
            }
            if (in.readableBytes() < 4 + length) {
                return;
            }
            in.skipBytes(4);
            ByteBuf body = in.readSlice((int) length);
            try {
                out.add(ControlCodec.decode(body));
            } catch (ProtocolException e) {
                failed = true;
                in.skipBytes(in.readableBytes());
                throw new DecoderException(e);
            }
        }
    }
}
