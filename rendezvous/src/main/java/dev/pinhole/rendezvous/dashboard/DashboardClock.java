package dev.pinhole.rendezvous.dashboard;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The deadlines of one dashboard connection, before its HTTP codec so that it sees every byte as it arrives:
 * a connection with no request is closed after the idle limit, and a request must have arrived whole (head and
 * body, at most 16 KiB) within the request limit of its first byte, so trickling bytes does not keep a socket
 * (a read timeout, reset by each byte, did). The dashboard writes only once a request is read (a 100 Continue
 * or its answer), so a write starts the idle limit again. Reading pauses while the client does not take our
 * answers (docs/security.md, "Limits: HTTP, HTTPS and dashboard listeners").
 */
final class DashboardClock extends ChannelDuplexHandler {
    private final long idleNanos;
    private final long requestNanos;
    private ChannelHandlerContext ctx;
    private boolean inRequest;
    private ScheduledFuture<?> timer;

    DashboardClock(long idleNanos, long requestNanos) {
        this.idleNanos = idleNanos;
        this.requestNanos = requestNanos;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (ctx.channel().isActive()) {
            start(idleNanos);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        start(idleNanos);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!inRequest && msg instanceof ByteBuf bytes && bytes.isReadable()) {
            inRequest = true;
            start(requestNanos);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (inRequest) {
            inRequest = false;
            start(idleNanos);
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        ctx.channel().config().setAutoRead(ctx.channel().isWritable());
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }

    private void start(long nanos) {
        cancel();
        timer = ctx.executor().schedule(() -> {
            ctx.close(); // no page: a client that stalls is not listening
        }, nanos, TimeUnit.NANOSECONDS);
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
