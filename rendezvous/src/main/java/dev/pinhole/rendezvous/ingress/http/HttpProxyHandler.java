package dev.pinhole.rendezvous.ingress.http;

import dev.pinhole.session.Splice;
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
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One visitor's HTTP/1.1 connection at the rendezvous (issue D, item 1): routes each request by its
 * Host header, answers unknown names (404), refused addresses (403), missing passwords (401) and
 * unreachable services (502) itself, and forwards the rest over one stream to the exposer, with
 * {@code X-Forwarded-For/Proto/Host} added. Exchanges run one at a time: after a request the visitor is
 * not read until its response is complete, so pipelined requests wait in the socket (or, already decoded,
 * in a short queue) and responses can never be reordered. The stream is kept across requests (keep-alive)
 * and hop-by-hop headers pass through unchanged, since the visitor connection and the stream are paired one
 * to one. After a {@code 101 Switching Protocols} (WebSocket) both codecs go and the bytes are spliced.
 * Everything runs on the visitor's event loop, which is also the stream's.
 */
public final class HttpProxyHandler extends ChannelInboundHandlerAdapter {
    private static final String CODEC = "http-client";

    private final Routes routes;
    private final String domain;
    private final InetSocketAddress visitorAddress;
    private ChannelHandlerContext ctx;
    private final ArrayDeque<HttpObject> queued = new ArrayDeque<>();

    private Channel backend;
    private String backendName;
    /** A request is waiting for a new stream to its service. */
    private HttpRequest opening;

    // The exchange in progress: from a request head until its request and response have both ended.
    private boolean inExchange;
    private boolean requestDone;
    private boolean responseStarted;
    private boolean responseDone;
    /** The request is answered by a page of ours; its body is read and dropped. */
    private boolean discarding;
    private boolean closeAfterResponse;
    private boolean head;
    private boolean upgradeAsked;
    /** An interim (1xx) response is passing; the final one follows. */
    private boolean interim;
    /** The service answered an upgrade request with 101; once that response is through, the codecs go. */
    private boolean upgraded;
    /** The codecs are being removed: raw bytes they still held are collected. */
    private boolean switching;
    private List<ByteBuf> rawToBackend;
    private List<ByteBuf> rawToVisitor;
    private boolean closing;

    public HttpProxyHandler(Routes routes, String domain, InetSocketAddress visitorAddress) {
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
        if (switching) {
            rawToBackend.add((ByteBuf) msg); // bytes the visitor sent after the upgrade, released by the codec's removal
            return;
        }
        if (closing || !(msg instanceof HttpObject)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (opening != null || waitingForResponse() || !queued.isEmpty()) {
            queued.add((HttpObject) msg);
            updateRead();
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

    private boolean waitingForResponse() {
        return inExchange && requestDone;
    }

    private void handle(HttpObject msg) {
        if (msg instanceof HttpRequest request) {
            start(request);
        } else if (msg instanceof HttpContent content) {
            requestContent(content);
        }
    }

    private void start(HttpRequest request) {
        if (request.decoderResult().isFailure()) {
            ReferenceCountUtil.release(request);
            Throwable cause = request.decoderResult().cause();
            HttpResponseStatus status = cause instanceof TooLongHttpLineException ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                    : cause instanceof TooLongHttpHeaderException ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                    : HttpResponseStatus.BAD_REQUEST;
            fail(status, "The request could not be read: " + cause.getMessage());
            return;
        }
        inExchange = true;
        requestDone = responseStarted = responseDone = discarding = interim = upgraded = false;
        head = HttpMethod.HEAD.equals(request.method());
        closeAfterResponse = !HttpUtil.isKeepAlive(request);
        upgradeAsked = request.headers().contains(HttpHeaderNames.UPGRADE)
                && request.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
        Admission.Verdict verdict = Admission.judge(request.headers(), visitorAddress.getAddress(), domain, routes);
        if (verdict.route() != null) {
            forward(verdict.route(), request);
        } else if (verdict.status() == HttpResponseStatus.UNAUTHORIZED) {
            answer(ErrorPages.unauthorized(ctx.alloc(), verdict.name(), head, !closeAfterResponse));
        } else {
            answer(verdict.status(), verdict.detail());
        }
    }

    private void forward(Route route, HttpRequest request) {
        Admission.forwarded(request.headers(), visitorAddress.getAddress(), route);
        if (backend != null && route.name().equals(backendName)) {
            toBackend(request);
            return;
        }
        closeBackend();
        opening = request;
        updateRead();
        Future<? extends Channel> stream = routes.open(route.name());
        stream.addListener(f -> opened(route.name(), stream));
    }

    private void opened(String name, Future<? extends Channel> stream) {
        HttpRequest request = opening;
        opening = null;
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
        if (!inExchange || discarding || backend == null) {
            content.release();
        } else {
            toBackend(content);
        }
        if (last && inExchange) {
            requestDone = true;
            discarding = false;
            finishIfDone();
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
        answer(ErrorPages.page(ctx.alloc(), status, detail, head, !closeAfterResponse));
    }

    private void answer(FullHttpResponse page) {
        routes.count(page.status().code());
        responseStarted = responseDone = true;
        discarding = !requestDone;
        ctx.writeAndFlush(page);
        finishIfDone();
    }

    /** The visitor's bytes cannot be read as HTTP any more: answer if nothing is on its way, then close. */
    private void fail(HttpResponseStatus status, String detail) {
        if (!responseStarted || responseDone) {
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
        if (switching) {
            rawToVisitor.add((ByteBuf) msg);
            return;
        }
        if (!inExchange || responseDone || !(msg instanceof HttpObject object)) {
            ReferenceCountUtil.release(msg); // a response nobody asked for: the service is not speaking HTTP
            closeAll();
            return;
        }
        if (object.decoderResult().isFailure()) {
            ReferenceCountUtil.release(msg);
            if (!responseStarted) {
                answer(HttpResponseStatus.BAD_GATEWAY, "The service behind '" + backendName + "' sent an invalid response.");
            }
            closeAll();
            return;
        }
        if (msg instanceof HttpResponse response) {
            int code = response.status().code();
            interim = code >= 100 && code < 200 && code != 101;
            if (code == 101 && upgradeAsked) {
                upgraded = responseStarted = true;
            } else if (!interim) {
                responseStarted = true;
                closeAfterResponse |= !HttpUtil.isKeepAlive(response) || closeDelimited(response);
            }
            if (code != 100) {
                routes.count(code);
            }
        }
        ctx.write(msg, ctx.voidPromise());
        if (msg instanceof LastHttpContent) {
            if (upgraded) {
                upgrade();
            } else if (interim) {
                interim = false;
            } else {
                responseDone = true;
                finishIfDone();
            }
        } else if (!ctx.channel().isWritable()) {
            ctx.flush();
            if (!ctx.channel().isWritable()) {
                stream.config().setAutoRead(false);
            }
        }
    }

    /** A response whose end only the closing of the connection marks (no length, not chunked). */
    private boolean closeDelimited(HttpResponse response) {
        int code = response.status().code();
        return !head && code != 204 && code != 304 && !HttpUtil.isContentLengthSet(response)
                && !HttpUtil.isTransferEncodingChunked(response);
    }

    private void finishIfDone() {
        if (!inExchange || !requestDone || !responseDone) {
            return;
        }
        inExchange = false;
        if (closeAfterResponse) {
            closing = true;
            closeBackend();
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.flush();
        drain();
    }

    /** Handles requests that arrived while the last exchange ran, then reads again. */
    private void drain() {
        while (!queued.isEmpty() && opening == null && !waitingForResponse() && !closing) {
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
        if (stream == backend && opening == null) {
            updateRead();
        }
    }

    private void updateRead() {
        boolean read = !closing && !switching && opening == null && !waitingForResponse() && queued.isEmpty()
                && (backend == null || backend.isWritable());
        ctx.channel().config().setAutoRead(read);
    }

    /** The stream ended (the service closed its connection, or the exposer went away). */
    void backendClosed(Channel stream) {
        if (stream != backend) {
            return;
        }
        String name = backendName;
        backend = null;
        backendName = null;
        if (!inExchange || responseDone) {
            return;
        }
        if (!responseStarted && !interim) {
            answer(HttpResponseStatus.BAD_GATEWAY, "The service behind '" + name + "' closed the connection without"
                    + " answering; it may be down.");
            drain();
        } else {
            closeAll(); // cut off mid-response: the visitor must not take a short body for a whole one
        }
    }

    /**
     * After {@code 101 Switching Protocols}: the two HTTP codecs go (what they still held comes out as raw
     * bytes), and from then on the pair is spliced like any TCP connection.
     */
    private void upgrade() {
        switching = true;
        rawToBackend = new ArrayList<>();
        rawToVisitor = new ArrayList<>();
        ctx.flush();
        queued.forEach(ReferenceCountUtil::release);
        queued.clear();
        Channel stream = backend;
        stream.pipeline().remove(CODEC);
        ctx.pipeline().remove(HttpServerCodec.class);
        stream.pipeline().remove(BackendHandler.class);
        ctx.pipeline().remove(this);
        rawToVisitor.forEach(buf -> ctx.channel().write(buf, ctx.channel().voidPromise()));
        rawToBackend.forEach(buf -> stream.write(buf, stream.voidPromise()));
        ctx.channel().flush();
        stream.flush();
        Splice.join(ctx.channel(), stream);
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
        closing = true;
        queued.forEach(ReferenceCountUtil::release);
        queued.clear();
        closeBackend();
        ctx.flush();
        ctx.close();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (backend != null && ctx.channel().isWritable()) {
            backend.config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent && !inExchange) {
            closeAll(); // an idle keep-alive connection: browsers open another when they need one
            return;
        }
        if (evt instanceof ChannelInputShutdownEvent && !inExchange) {
            closeAll();
            return;
        }
        if (evt instanceof ChannelInputShutdownEvent) {
            closeAfterResponse = true;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closing = true;
        queued.forEach(ReferenceCountUtil::release);
        queued.clear();
        closeBackend();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            fail(HttpResponseStatus.BAD_REQUEST, cause.getMessage());
        } else {
            closeAll();
        }
    }
}
