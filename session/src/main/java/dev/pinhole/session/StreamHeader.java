package dev.pinhole.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.function.BiConsumer;

/**
 * The first byte of every session stream, written by whoever opens it: what the stream carries.
 * QUIC announces a stream only when its first frame arrives, so without it the exposer would not
 * learn of a connection until the visitor spoke, and server-speaks-first protocols (MySQL, SMTP,
 * an SSH server banner) would wait forever.
 */
public final class StreamHeader {
    /** A TCP connection to the exposed service. Later kinds (UDP flows, control) get other values. */
    public static final byte TCP = 1;

    private StreamHeader() {}

    /** Writes and flushes the header on a stream the caller just opened. */
    public static void write(Channel stream, byte kind) {
        stream.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {kind}));
    }

    /**
     * Reads the header of an accepted stream (auto-read off), then calls {@code accept} with the kind
     * and whatever bytes came with it (possibly empty; the callee owns them). Unknown kinds close the stream.
     */
    public static void read(Channel stream, BiConsumer<Byte, ByteBuf> accept) {
        stream.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            // With auto-read off, a read() asked for before the stream is active would be lost.
            @Override
            public void handlerAdded(ChannelHandlerContext ctx) {
                if (ctx.channel().isActive()) {
                    ctx.read();
                }
            }

            @Override
            public void channelActive(ChannelHandlerContext ctx) {
                ctx.read();
                ctx.fireChannelActive();
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ByteBuf buf = (ByteBuf) msg;
                if (!buf.isReadable()) {
                    buf.release();
                    ctx.read();
                    return;
                }
                byte kind = buf.readByte();
                ctx.pipeline().remove(this);
                if (kind != TCP) {
                    buf.release();
                    ctx.close();
                    return;
                }
                accept.accept(kind, buf);
            }
        });
    }
}
