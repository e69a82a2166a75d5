package dev.pinhole.rendezvous.ingress.http;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import java.net.InetSocketAddress;
import java.time.Duration;

/** The handlers of one visitor connection on the public HTTP port, in order: clock, codec, proxy. */
public final class VisitorPipeline {
    /** Request line and header limits: generous for real browsers (cookies), small enough to bound memory. */
    static final int MAX_LINE = 8192;
    static final int MAX_HEADERS = 32 * 1024;
    /** Body pieces are handed on at most this big; the socket's reads are about this size anyway. */
    static final int MAX_CHUNK = 64 * 1024;

    private VisitorPipeline() {}

    /** {@code splicedIdle}: the idle limit of a connection upgraded to a WebSocket ({@link SplicedIdleLimit}). */
    public static void install(ChannelPipeline pipeline, Routes routes, String domain, InetSocketAddress visitor,
                               Deadlines deadlines, Duration splicedIdle) {
        ExchangeClock clock = new ExchangeClock(deadlines);
        pipeline.addLast(clock, new HttpServerCodec(codecConfig()),
                new HttpProxyHandler(routes, domain, visitor, clock, splicedIdle));
    }

    /**
     * Strict parsing: a bare CR or LF ends no line, and Transfer-Encoding is read as RFC 9112 says (the
     * framing shapes Netty still accepts are refused by {@link HeaderRules#invalid}).
     */
    static HttpDecoderConfig codecConfig() {
        return new HttpDecoderConfig().setMaxInitialLineLength(MAX_LINE).setMaxHeaderSize(MAX_HEADERS)
                .setMaxChunkSize(MAX_CHUNK).setStrictLineParsing(true).setUseRfc9112TransferEncoding(true);
    }
}
