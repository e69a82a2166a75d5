package dev.pinhole.rendezvous.ingress.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The {@link Deadlines} of one visitor connection, before its HTTP codec so that it sees every byte as it
 * arrives (a head trickled in byte by byte makes no decoded message, so a handler after the codec would
 * see nothing). {@link HttpProxyHandler} tells it where the exchange stands; it closes the connection when
 * the visitor overstays the phase it is in. While the rendezvous waits for the service, the visitor is not
 * on the clock (the service's time is its owner's business).
 */
final class ExchangeClock extends ChannelDuplexHandler {
    private enum Wait { IDLE, HEAD, BODY, SERVICE }

    private final Deadlines deadlines;
    private ChannelHandlerContext ctx;
    private Wait wait = Wait.IDLE;
    /** Bytes that arrived since the last request head was taken on: the next head has begun. */
    private boolean headBegun;
    private long bodyBytes;
    private boolean pausedThisWindow;
    private ScheduledFuture<?> timer;
    private ScheduledFuture<?> sendTimer;

    ExchangeClock(Deadlines deadlines) {
        this.deadlines = deadlines;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (ctx.channel().isActive()) {
            enter(Wait.IDLE);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        enter(Wait.IDLE);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf bytes && bytes.isReadable()) {
            bodyBytes += bytes.readableBytes();
            headBegun |= wait != Wait.BODY; // while a body comes, its bytes are not the next head
            if (wait == Wait.IDLE) {
                enter(Wait.HEAD);
            }
        }
        ctx.fireChannelRead(msg);
    }

    /** A request head was taken on: its body (if any) is on the clock now. */
    void requestHead() {
        headBegun = false;
        enter(Wait.BODY);
    }

    /** The request has ended: the service has the next move. */
    void requestEnded() {
        enter(Wait.SERVICE);
    }

    /** The exchange is over: the next request may come (and may have begun already). */
    void exchangeEnded() {
        enter(headBegun ? Wait.HEAD : Wait.IDLE);
    }

    /** Reading from the visitor was paused (by the rendezvous, not the visitor): this window is not judged. */
    void paused() {
        pausedThisWindow = true;
    }

    private void enter(Wait next) {
        wait = next;
        cancel(timer);
        timer = switch (next) {
            case IDLE -> schedule(deadlines.idle().toNanos(), this::expired);
            case HEAD -> schedule(deadlines.head().toNanos(), this::expired);
            case BODY -> startWindow();
            case SERVICE -> null;
        };
    }

    private ScheduledFuture<?> startWindow() {
        bodyBytes = 0;
        pausedThisWindow = !ctx.channel().config().isAutoRead();
        return schedule(deadlines.bodyWindow().toNanos(), this::windowEnded);
    }

    private void windowEnded() {
        if (wait != Wait.BODY) {
            return;
        }
        if (bodyBytes < deadlines.bodyMinBytes() && !pausedThisWindow && ctx.channel().config().isAutoRead()) {
            expired();
            return;
        }
        timer = startWindow();
    }

    private void expired() {
        ctx.close(); // no page: a visitor that stalls is not listening, and a page would be one more write to buffer
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            cancel(sendTimer);
            sendTimer = null;
        } else if (sendTimer == null) {
            sendTimer = schedule(deadlines.send().toNanos(), this::expired);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        stop();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stop(); // the connection was spliced (WebSocket): no HTTP phases any more
    }

    private void stop() {
        cancel(timer);
        cancel(sendTimer);
        timer = null;
        sendTimer = null;
        wait = Wait.SERVICE;
    }

    private ScheduledFuture<?> schedule(long nanos, Runnable task) {
        return ctx.executor().schedule(task, nanos, TimeUnit.NANOSECONDS);
    }

    private static void cancel(ScheduledFuture<?> future) {
        if (future != null) {
            future.cancel(false);
        }
    }
}
