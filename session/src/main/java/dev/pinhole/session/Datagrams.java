package dev.pinhole.session;

import dev.pinhole.protocol.Carries;
import dev.pinhole.protocol.FlowDatagram;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicDatagramExtensionEvent;
import io.netty.util.AttributeKey;
import java.util.ArrayList;
import java.util.List;

/**
 * UDP datagrams as QUIC DATAGRAM frames (RFC 9221) of a session, never on streams: loss shows as loss, not as delay
 * (docs/udp.md). Each carries a {@link FlowDatagram} header. The largest frame a session carries is what the QUIC
 * stack announces once the handshake is done ({@link QuicDatagramExtensionEvent}): it follows from the session's
 * packet size (docs/udp.md, "Sizes").
 */
public final class Datagrams {
    /**
     * Datagrams QUIC may hold, each way, while the congestion window is full or before the reader takes them: a
     * burst of a game tick across many players fits, and beyond that waiting only adds latency that UDP applications
     * handle worse than loss. It bounds memory per session to 128 of the session's largest datagram.
     */
    static final int QUEUE = 128;

    private static final AttributeKey<Integer> MAX_FRAME = AttributeKey.valueOf("pinhole.maxDatagramFrame");
    /** What waits for {@link #MAX_FRAME}: the QUIC stack says it just after the connect future completed. */
    private static final AttributeKey<List<Runnable>> WAITING = AttributeKey.valueOf("pinhole.waitingForDatagramFrame");

    private Datagrams() {}

    /**
     * In each session's QUIC channel pipeline (before any reader): remembers the largest DATAGRAM frame the session
     * carries. Shared by every session, hence sharable.
     */
    public static final ChannelHandler LIMIT = new Limit();

    @ChannelHandler.Sharable
    private static final class Limit extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof QuicDatagramExtensionEvent datagrams) {
                ctx.channel().attr(MAX_FRAME).set(datagrams.maxLength());
                runWaiting(ctx.channel());
            }
            ctx.fireUserEventTriggered(event);
        }
    }

    /**
     * The handler of a session's QUIC channel: {@link #LIMIT} first (it must see the handshake's end), then
     * {@code reader} of the session's DATAGRAM frames (null: the session carries no UDP).
     */
    public static ChannelHandler pipeline(ChannelHandler reader) {
        return new ChannelInitializer<QuicChannel>() {
            @Override
            protected void initChannel(QuicChannel quic) {
                quic.pipeline().addLast(LIMIT);
                if (reader != null) {
                    quic.pipeline().addLast(reader);
                }
            }
        };
    }

    /** Whether {@code quic} can take datagrams now, or is down (a send drops): no need to wait for {@link #whenReady}. */
    private static boolean ready(QuicChannel quic) {
        return quic.attr(MAX_FRAME).get() != null || !quic.isActive();
    }

    /**
     * Runs {@code then} on {@code quic}'s loop once the session says how large a datagram may be, or once it closes
     * without saying (then a send drops): a datagram that arrived while the session was being opened is sent, not
     * dropped for coming a moment early. Call on the channel's event loop.
     */
    public static void whenReady(QuicChannel quic, Runnable then) {
        if (ready(quic)) {
            then.run();
            return;
        }
        List<Runnable> waiting = quic.attr(WAITING).get();
        if (waiting == null) {
            waiting = new ArrayList<>();
            quic.attr(WAITING).set(waiting);
            quic.closeFuture().addListener(f -> runWaiting(quic));
        }
        waiting.add(then);
    }

    private static void runWaiting(Channel quic) {
        List<Runnable> waiting = quic.attr(WAITING).getAndSet(null);
        if (waiting != null) {
            waiting.forEach(Runnable::run);
        }
    }

    /**
     * Why a connector that wants UDP ({@code udp}) or TCP cannot use service {@code name}, which carries
     * {@code carried}; null if it can.
     */
    public static String mismatch(String name, Carries carried, boolean udp) {
        if (udp ? carried.udp() : carried.tcp()) {
            return null;
        }
        return "'" + name + "' carries " + carried.text() + " only" + (udp
                ? "; its exposer must add --udp (peer expose PORT --udp --name " + name + ")"
                : "; connect with --udp");
    }

    /** The largest payload a datagram of {@code flowId} may have on {@code quic}; 0 if the session carries none yet. */
    public static int maxPayload(QuicChannel quic, long flowId) {
        Integer frame = quic.attr(MAX_FRAME).get();
        return frame == null ? 0 : Math.max(0, frame - FlowDatagram.headerLength(flowId));
    }

    /** What {@link #send} did with a datagram. */
    public enum Sent { SENT, OVERSIZE, DROPPED }

    /**
     * Sends {@code payload} (not released: the caller owns it) on flow {@code flowId} of {@code quic}, counted in
     * {@code stats}, or drops it if the session is down or it is larger than the session carries.
     */
    public static Sent send(QuicChannel quic, long flowId, ByteBuf payload, UdpStats stats) {
        if (quic == null || !quic.isActive() || quic.attr(MAX_FRAME).get() == null) {
            stats.dropped++; // no session, or its handshake has not said yet how large a datagram may be
            return Sent.DROPPED;
        }
        int max = maxPayload(quic, flowId);
        stats.maxPayload = max;
        if (payload.readableBytes() > max) {
            stats.oversize++;
            return Sent.OVERSIZE;
        }
        stats.datagrams++;
        // A full send queue drops the datagram inside QUIC; a write that fails otherwise is counted here.
        quic.writeAndFlush(FlowDatagram.encode(quic.alloc(), flowId, payload)).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                stats.dropped++;
            }
        });
        return Sent.SENT;
    }
}
