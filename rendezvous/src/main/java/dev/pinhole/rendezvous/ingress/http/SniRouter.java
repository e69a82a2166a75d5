package dev.pinhole.rendezvous.ingress.http;

import dev.pinhole.session.Splice;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.AbstractSniHandler;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * HTTPS ingress by TLS passthrough (docs/ingress-and-dashboard.md, "HTTPS by name"): reads the visitor's
 * ClientHello only as far as its server name, picks the service {@code NAME.DOMAIN}, and splices the
 * untouched bytes, ClientHello included, to a stream to that service, which terminates TLS itself. The
 * rendezvous never holds a key for it. A name it does not serve, or a refused address, gets a TLS
 * {@code unrecognized_name} or {@code access_denied} alert, since without a certificate there is no way to
 * show a page.
 */
public final class SniRouter extends AbstractSniHandler<Route> {
    /** ClientHellos are a few hundred bytes (post-quantum key shares: ~1.5 KiB); more is abuse. */
    static final int MAX_HELLO = 16 * 1024;
    /** TLS 1.2 record header for a fatal alert (RFC 8446 §6): alerts before the handshake use this version. */
    private static final byte[] ALERT_HEADER = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02};
    static final byte UNRECOGNIZED_NAME = 112;
    static final byte ACCESS_DENIED = 49;

    private final Routes routes;
    private final String domain;
    private final InetSocketAddress visitorAddress;
    private final Duration splicedIdle;
    /** More bytes may be read before the ClientHello is handed on; they must not route it twice. */
    private boolean routed;

    /**
     * {@code helloMillis}: from accept to a whole ClientHello ({@link Deadlines#clientHello}), else closed;
     * {@code splicedIdle}: once routed, no byte either way for this long closes the pair ({@link SplicedIdleLimit}).
     */
    public SniRouter(Routes routes, String domain, InetSocketAddress visitorAddress, long helloMillis, Duration splicedIdle) {
        super(MAX_HELLO, helloMillis);
        this.routes = routes;
        this.domain = domain;
        this.visitorAddress = visitorAddress;
        this.splicedIdle = splicedIdle;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        ctx.channel().config().setAutoRead(true);
        super.channelActive(ctx);
    }

    @Override
    protected Future<Route> lookup(ChannelHandlerContext ctx, String hostname) {
        String name = HostNames.serviceName(hostname, domain);
        return ctx.executor().newSucceededFuture(name == null ? null : routes.route(name));
    }

    @Override
    protected void onLookupComplete(ChannelHandlerContext ctx, String hostname, Future<Route> future) {
        if (routed) {
            return;
        }
        routed = true;
        Route route = future.getNow();
        if (route == null || !route.online()) {
            alert(ctx, UNRECOGNIZED_NAME);
            return;
        }
        if (!route.admits(visitorAddress.getAddress())) {
            alert(ctx, ACCESS_DENIED);
            return;
        }
        Channel visitor = ctx.channel();
        visitor.config().setAutoRead(false);
        Future<? extends Channel> opened = routes.open(route.name());
        opened.addListener(f -> {
            if (!opened.isSuccess() || !visitor.isActive()) {
                if (opened.isSuccess()) {
                    opened.getNow().close();
                }
                visitor.close();
                return;
            }
            // Not inside this decoder's own call (the stream may be ready at once): removing it there
            // would hand its bytes on only after it returned, past the forwarder below.
            visitor.eventLoop().execute(() -> handOver(visitor, opened.getNow()));
        });
    }

    /** Removing this handler hands on the bytes it held (the ClientHello) to the next one, which sends them on. */
    private void handOver(Channel visitor, Channel stream) {
        ChannelInboundHandlerAdapter forwarder = new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext next, Object msg) {
                stream.write(msg, stream.voidPromise());
            }
        };
        visitor.pipeline().addLast(forwarder);
        visitor.pipeline().remove(this);
        visitor.pipeline().remove(forwarder);
        stream.flush();
        visitor.pipeline().addFirst(new SplicedIdleLimit(splicedIdle));
        Splice.join(visitor, stream);
    }

    private void alert(ChannelHandlerContext ctx, byte description) {
        ByteBuf alert = Unpooled.buffer(7).writeBytes(ALERT_HEADER).writeByte(description);
        ctx.writeAndFlush(alert).addListener(ChannelFutureListener.CLOSE);
    }
}
