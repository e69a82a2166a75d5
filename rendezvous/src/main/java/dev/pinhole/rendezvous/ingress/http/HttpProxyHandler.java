package dev.pinhole.rendezvous.ingress.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * One visitor's HTTP/1.1 connection at the rendezvous ("HTTP by name" in docs/ingress-and-dashboard.md):
 * routes each request by its Host header, answers unknown names (404), refused addresses (403), missing
 * passwords (401) and unreachable services (502) itself, and forwards the rest over one stream to the exposer,
 * with the headers {@link HeaderRules} makes. Exchanges run one at a time: after a request the visitor is
 * not read until its response is complete, so pipelined requests wait in the socket (or, decoded, in a short
 * {@link Backlog}) and responses can never be reordered. Nor is it read while it does not take what we write
 * (our own pages included), so a visitor that never reads is never buffered for; {@link ExchangeClock} closes
 * the ones that stall ("Limits: public HTTP and HTTPS" in docs/security.md). The stream is kept across requests
 * (keep-alive): the visitor connection and the stream are paired one to one. After a {@code 101 Switching
 * Protocols} (WebSocket) both codecs go and the bytes are spliced ({@link UpgradeSplice}). Where the connection stands is one {@link Phase}, kept with the request's facts
 * in an {@link Exchange}. Everything runs on the visitor's event loop, which is also the stream's.
 */
public final class HttpProxyHandler extends ChannelInboundHandlerAdapter {
    private static final String CODEC = "http-client";

    private final Routes routes;
    private final String domain;
    private final InetSocketAddress visitorAddress;
    private final Backlog queued = new Backlog();
    private final Exchange exchange = new Exchange();
    private final ExchangeClock clock;
    private ChannelHandlerContext ctx;
    private Channel backend;
    private String backendName;
    private final UpgradeSplice splice; // used only once the phase is SPLICED (WebSocket)

    HttpProxyHandler(Routes routes, String domain, InetSocketAddress visitorAddress, ExchangeClock clock, Duration splicedIdle) {
        this.clock = clock;
        this.splice = new UpgradeSplice(splicedIdle);
        this.routes = routes;
        this.domain = domain;
        this.visitorAddress = visitorAddress;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.channel().config().setAutoRead(true);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (exchange.is(Phase.SPLICED)) {
            splice.fromVisitor((ByteBuf) msg);
            return;
        }
        if (exchange.is(Phase.CLOSING) || !(msg instanceof HttpObject)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (exchange.mustWait() || !queued.isEmpty() || !ctx.channel().isWritable()) {
            if (queued.add((HttpObject) msg)) {
                updateRead();
            } else {
                closeAll();
            }
            return;
        }
        handle((HttpObject) msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (backend != null) {
            backend.flush();
        }
        ctx.fireChannelReadComplete();
    }

    private void handle(HttpObject msg) {
        if (msg instanceof HttpRequest request) {
            start(request);
        } else if (msg instanceof HttpContent content) {
            requestContent(content);
        }
    }

    private void start(HttpRequest request) {
        Admission.Verdict refusal = HeaderRules.refusal(request);
        if (refusal != null) {
            ReferenceCountUtil.release(request);
            fail(refusal.status(), refusal.detail());
            return;
        }
        exchange.begin(request);
        clock.requestHead();
        Admission.Verdict verdict = Admission.judge(request.headers(), visitorAddress.getAddress(), domain, routes);
        if (verdict.route() != null) {
            forward(verdict.route(), request);
        } else if (verdict.status() == HttpResponseStatus.UNAUTHORIZED) {
            answer(ErrorPages.unauthorized(ctx.alloc(), verdict.name(), exchange.head(), exchange.keepAliveAfterOwnPage()));
        } else {
            answer(verdict.status(), verdict.detail());
        }
    }

    private void forward(Route route, HttpRequest request) {
        HeaderRules.forwarded(request, visitorAddress.getAddress(), route);
        if (backend != null && route.name().equals(backendName)) {
            exchange.to(Phase.FORWARDING);
            toBackend(request);
            return;
        }
        closeBackend();
        exchange.to(Phase.OPENING);
        updateRead();
        Future<? extends Channel> stream = routes.open(route.name());
        stream.addListener(f -> opened(route.name(), stream, request));
    }

    private void opened(String name, Future<? extends Channel> stream, HttpRequest request) {
        boolean closing = exchange.is(Phase.CLOSING);
        if (!stream.isSuccess() || !ctx.channel().isActive() || closing) {
            if (stream.isSuccess()) {
                stream.getNow().close();
            }
            if (ctx.channel().isActive() && !closing) {
                answer(HttpResponseStatus.BAD_GATEWAY, "The exposer of '" + name + "' cannot be reached: "
                        + (stream.cause() == null ? "closed" : stream.cause().getMessage()));
                drain();
            }
            return;
        }
        backend = stream.getNow();
        backendName = name;
        backend.pipeline().addLast(CODEC, new HttpClientCodec());
        backend.pipeline().addLast(new BackendHandler(this));
        backend.config().setAutoRead(true);
        exchange.to(Phase.FORWARDING);
        toBackend(request);
        drain();
    }

    private void requestContent(HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        if (content.decoderResult().isFailure()) {
            content.release();
            fail(HttpResponseStatus.BAD_REQUEST, "The request body could not be read: " + content.decoderResult().cause().getMessage());
            return;
        }
        if (exchange.bodyToService() && backend != null) {
            toBackend(content);
        } else {
            content.release();
        }
        if (last) {
            clock.requestEnded();
            if (exchange.requestEnded()) {
                finish();
            }
        }
    }

    private void toBackend(HttpObject msg) {
        backend.write(msg, backend.voidPromise());
        if (msg instanceof LastHttpContent || !backend.isWritable()) {
            backend.flush();
        }
    }

    /** Answers the current request with a page of ours; a body still to come is read and dropped. */
    private void answer(HttpResponseStatus status, String detail) {
        answer(ErrorPages.page(ctx.alloc(), status, detail, exchange.head(), exchange.keepAliveAfterOwnPage()));
    }

    private void answer(FullHttpResponse page) {
        routes.count(page.status().code());
        boolean ended = exchange.requestDone();
        if (!ended) {
            exchange.to(Phase.DISCARDING);
        }
        ctx.writeAndFlush(page);
        if (ended) {
            finish();
        }
    }

    /** The visitor's bytes cannot be read as HTTP any more: answer if nothing is on its way, then close. */
    private void fail(HttpResponseStatus status, String detail) {
        if (!exchange.is(Phase.RESPONDING) && !exchange.is(Phase.UPGRADING)) {
            routes.count(status.code());
            ctx.writeAndFlush(ErrorPages.page(ctx.alloc(), status, detail, false, false));
        }
        closeAll();
    }

    /** From the stream's HTTP codec: the service's response, passed on as it comes. */
    void fromBackend(Channel stream, Object msg) {
        if (stream != backend) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (exchange.is(Phase.SPLICED)) {
            splice.fromBackend((ByteBuf) msg);
            return;
        }
        if (!exchange.responsePending() || !(msg instanceof HttpObject object)) {
            ReferenceCountUtil.release(msg); // a response nobody asked for: the service is not speaking HTTP
            closeAll();
            return;
        }
        if (object.decoderResult().isFailure()) {
            ReferenceCountUtil.release(msg);
            if (exchange.is(Phase.FORWARDING) || exchange.is(Phase.INTERIM)) {
                answer(HttpResponseStatus.BAD_GATEWAY, "The service behind '" + backendName + "' sent an invalid response.");
            }
            closeAll();
            return;
        }
        if (msg instanceof HttpResponse response) {
            exchange.responseBegins(response);
            if (response.status().code() != 100) {
                routes.count(response.status().code());
            }
        }
        ctx.write(msg, ctx.voidPromise());
        if (msg instanceof LastHttpContent) {
            responseEnded();
        } else if (!ctx.channel().isWritable()) {
            ctx.flush();
            if (!ctx.channel().isWritable()) {
                stream.config().setAutoRead(false);
            }
        }
    }

    private void responseEnded() {
        if (exchange.is(Phase.UPGRADING)) {
            upgrade();
        } else if (exchange.is(Phase.INTERIM)) {
            exchange.to(Phase.FORWARDING);
        } else if (exchange.requestDone()) {
            finish();
        } else {
            exchange.to(Phase.RESPONDED);
        }
    }

    /** The request and its response have both ended. */
    private void finish() {
        if (exchange.closeAfterResponse()) {
            exchange.to(Phase.CLOSING);
            closeBackend();
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        exchange.to(Phase.IDLE);
        clock.exchangeEnded();
        ctx.flush();
        drain();
    }

    /** Handles requests that arrived while the last exchange ran, then reads again. */
    private void drain() {
        while (!queued.isEmpty() && !exchange.mustWait() && !exchange.is(Phase.CLOSING) && ctx.channel().isWritable()) {
            handle(queued.poll());
        }
        if (backend != null) {
            backend.flush();
        }
        updateRead();
    }

    /** The stream's read batch ended: what it gave the visitor goes out now. */
    void backendReadComplete() {
        ctx.flush();
    }

    /** The stream can take more (or less) of the visitor's request body. */
    void backendWritabilityChanged(Channel stream) {
        if (stream == backend && !exchange.is(Phase.OPENING)) {
            updateRead();
        }
    }

    private void updateRead() {
        boolean read = !exchange.is(Phase.CLOSING) && !exchange.is(Phase.SPLICED) && !exchange.mustWait() && queued.isEmpty()
                && (backend == null || backend.isWritable()) && ctx.channel().isWritable();
        ctx.channel().config().setAutoRead(read);
        if (!read) {
            clock.paused();
        }
    }

    /** The stream ended (the service closed its connection, or the exposer went away). */
    void backendClosed(Channel stream) {
        if (stream != backend) {
            return;
        }
        String name = backendName;
        backend = null;
        backendName = null;
        if (!exchange.responsePending()) {
            return;
        }
        if (exchange.is(Phase.FORWARDING)) {
            answer(HttpResponseStatus.BAD_GATEWAY, "The service behind '" + name + "' closed the connection without"
                    + " answering; it may be down.");
            drain();
        } else {
            closeAll(); // cut off mid-response: the visitor must not take a short body for a whole one
        }
    }

    /** The 101 is through: from now on the pair is spliced like any TCP connection. */
    private void upgrade() {
        exchange.to(Phase.SPLICED);
        Channel stream = backend;
        ctx.flush();
        ctx.pipeline().remove(clock);
        queued.clear();
        splice.join(ctx, stream, CODEC);
    }

    private void closeBackend() {
        if (backend != null) {
            Channel stream = backend;
            backend = null;
            backendName = null;
            stream.close();
        }
    }

    private void closeAll() {
        exchange.to(Phase.CLOSING);
        queued.clear();
        closeBackend();
        ctx.flush();
        ctx.close();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && !exchange.is(Phase.CLOSING) && !exchange.is(Phase.SPLICED)) {
            if (backend != null) {
                backend.config().setAutoRead(true);
            }
            drain(); // what waited for the visitor to read goes on
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent && exchange.is(Phase.IDLE)) {
            closeAll();
        } else if (evt instanceof ChannelInputShutdownEvent) {
            exchange.closeAfterThisResponse();
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closeAll(); // what is left of the exchange goes; closing a closed channel does nothing
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            fail(HttpResponseStatus.BAD_REQUEST, cause.getMessage());
        } else {
            closeAll();
        }
        if (cause instanceof Phase.IllegalPhaseChange) {
            ctx.fireExceptionCaught(cause); // a bug: logged at the pipeline's tail (and thrown in tests)
        }
    }
}
