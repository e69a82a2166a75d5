package dev.pinhole.rendezvous.ingress.http;

import dev.pinhole.session.Splice;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpServerCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * After {@code 101 Switching Protocols} (WebSocket): the two HTTP codecs go, and from then on the visitor and
 * the stream are spliced like any TCP connection. A codec that is removed gives up the bytes it had read but
 * not decoded (the service's first frame may share a read with its 101); they are collected here while the
 * handlers go, and handed on before the splice starts.
 */
final class UpgradeSplice {
    private final List<ByteBuf> toBackend = new ArrayList<>();
    private final List<ByteBuf> toVisitor = new ArrayList<>();
    private final Duration idle;

    /** {@code idle}: no byte either way for this long closes the pair ({@link SplicedIdleLimit}). */
    UpgradeSplice(Duration idle) {
        this.idle = idle;
    }

    /** Raw bytes the visitor sent after the upgrade, released by its codec's removal. */
    void fromVisitor(ByteBuf bytes) {
        toBackend.add(bytes);
    }

    /** Raw bytes the service sent after its 101, released by its codec's removal. */
    void fromBackend(ByteBuf bytes) {
        toVisitor.add(bytes);
    }

    /** Removes both codecs, {@code proxy}'s handler and the stream's {@link BackendHandler}, then splices with an idle limit. */
    void join(ChannelHandlerContext proxy, Channel stream, String streamCodec) {
        Channel visitor = proxy.channel();
        stream.pipeline().remove(streamCodec);
        proxy.pipeline().remove(HttpServerCodec.class);
        stream.pipeline().remove(BackendHandler.class);
        proxy.pipeline().remove(proxy.handler());
        toVisitor.forEach(buf -> visitor.write(buf, visitor.voidPromise()));
        toBackend.forEach(buf -> stream.write(buf, stream.voidPromise()));
        visitor.flush();
        stream.flush();
        visitor.pipeline().addFirst(new SplicedIdleLimit(idle));
        Splice.join(visitor, stream);
    }
}
