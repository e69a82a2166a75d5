package dev.pinhole.rendezvous.ingress.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * On a visitor connection the rendezvous splices without reading (a WebSocket after its 101, HTTPS after the
 * ClientHello was routed): no byte either way for the idle limit closes it, and its stream with it. Reads count
 * for the visitor's direction, completed writes for the service's. Like nginx stream's {@code proxy_timeout},
 * and the idle limit of public TCP ports ({@code --tcp-idle-timeout}, docs/security.md, "Limits: HTTP, HTTPS
 * and dashboard listeners").
 */
final class SplicedIdleLimit extends IdleStateHandler {
    SplicedIdleLimit(Duration idle) {
        super(0, 0, idle.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent evt) {
        ctx.close();
    }
}
