package dev.pinhole.protocol;

import dev.pinhole.protocol.ControlMessage.Relay;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/** Writes {@code u32 length | body} for each message; the inverse of {@link FrameDecoder}. */
@Sharable
public final class FrameEncoder extends MessageToByteEncoder<ControlMessage> {
    public static final FrameEncoder INSTANCE = new FrameEncoder();

    private FrameEncoder() {
        super(ControlMessage.class);
    }

    @Override
    protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, ControlMessage msg, boolean preferDirect) {
        int size = msg instanceof Relay relay ? 9 + relay.payload().readableBytes() : 128;
        return preferDirect ? ctx.alloc().ioBuffer(size) : ctx.alloc().heapBuffer(size);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, ControlMessage msg, ByteBuf out) {
        int start = out.writerIndex();
        out.writeInt(0);
        ControlCodec.encode(msg, out);
        int length = out.writerIndex() - start - 4;
        if (length > FrameDecoder.MAX_FRAME) {
            throw new IllegalArgumentException("frame length: " + length + " (expected: <= " + FrameDecoder.MAX_FRAME + ")");
        }
        out.setInt(start, length);
    }
}
