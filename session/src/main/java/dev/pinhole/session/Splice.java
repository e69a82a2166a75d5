package dev.pinhole.session;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.flush.FlushConsolidationHandler;

/**
 * Copies bytes from its channel to {@code peer} (one Splice on each side makes a two-way pipe).
 * Backpressure: when the peer cannot take more, this side stops reading until it can. Half-close is
 * kept: end of input here becomes a FIN (TCP) or stream FIN (QUIC) there, and the pair closes once
 * both directions have ended.
 */
public final class Splice extends ChannelInboundHandlerAdapter {
    /** Flushes coalesced while a read loop runs; 64 x 64 KiB reads is well past socket buffer size. */
    static final int FLUSHES_PER_BATCH = 64;

    private final Channel peer;

    public Splice(Channel peer) {
        this.peer = peer;
    }

    /** Joins two channels that are both ready, and starts reading on both. */
    public static void join(Channel a, Channel b) {
        // Each read on one side flushes the other; coalescing those flushes turns many small sends
        // (each a syscall or a QUIC packet, and a wake-up of the reader) into a few large ones.
        a.pipeline().addFirst(new FlushConsolidationHandler(FLUSHES_PER_BATCH, true));
        b.pipeline().addFirst(new FlushConsolidationHandler(FLUSHES_PER_BATCH, true));
        a.pipeline().addLast(new Splice(b));
        b.pipeline().addLast(new Splice(a));
        a.config().setAutoRead(true);
        b.config().setAutoRead(true);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        peer.write(msg, peer.voidPromise());
        if (!peer.isWritable()) {
            // The flush may drain the peer and fire its writability event right here; only pause if it
            // is still full afterwards, or the resume would come before the pause and never again.
            peer.flush();
            if (!peer.isWritable()) {
                ctx.channel().config().setAutoRead(false);
            }
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        peer.flush();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            peer.config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            if (peer instanceof DuplexChannel duplex && peer.isActive()) {
                // shutdownOutput() discards writes still queued, so send FIN only after they are written.
                peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(written ->
                        duplex.shutdownOutput().addListener(f -> closeIfDone(ctx.channel())));
            } else {
                closeBoth(ctx.channel());
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    private void closeIfDone(Channel self) {
        if (self instanceof DuplexChannel duplex && duplex.isOutputShutdown() && duplex.isInputShutdown()) {
            closeBoth(self);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        closeBoth(ctx.channel());
    }

    private void closeBoth(Channel self) {
        self.close();
        peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
}

