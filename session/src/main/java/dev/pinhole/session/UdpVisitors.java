package dev.pinhole.session;

import dev.pinhole.protocol.FlowDatagram;
import dev.pinhole.protocol.ProtocolException;
import dev.pinhole.protocol.net.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Local UDP visitors carried as flows of a session (docs/udp.md): the connecting end's half. One UDP socket listens;
 * each visitor address is a flow with an id this end assigns; its datagrams go out as QUIC DATAGRAM frames, and
 * replies come back to the address of their flow. Whoever connects (a peer, later the rendezvous' public UDP ports)
 * reaches the exposer this one way.
 */
public final class UdpVisitors {
    /**
     * Flows per session: far more than the players of a game server or the clients of a DNS forwarder, while the
     * exposer's one socket per flow stays well under the open-file limit the JVM raises itself to (4096 or more on
     * common systems). Over it, new visitors are dropped and counted ({@link UdpStats#refusedFlows}).
     */
    public static final int MAX_FLOWS = 1024;
    /**
     * Datagrams held while the session is being opened, over all flows: enough for the first packets of a few
     * visitors (a DNS query, a game's handshake), small enough to be nothing in memory.
     */
    static final int PENDING = 64;
    /** The largest UDP payload over IPv4 (65535 - 8 - 20): reading into less would truncate visitors' datagrams. */
    public static final int MAX_UDP_PAYLOAD = 65_507;

    private final EventLoop loop;
    private final Supplier<Future<QuicChannel>> session;
    private final Consumer<String> note;
    private final Runnable changed;
    private final UdpStats stats = new UdpStats();
    private final FlowTable<InetSocketAddress, Void> flows;
    private final ScheduledFuture<?> sweep;
    private Channel socket;
    private int pending;
    /** Which visitors' addresses may make flows (public ports' {@code --allow-ip}); volatile: a re-publish replaces it. */
    private volatile Predicate<InetAddress> admits = address -> true;

    /**
     * @param session the live session, or one being opened (the caller's; called for each datagram)
     * @param note    says once per flow when a datagram was too large
     * @param changed called at most once a second while {@link #stats()} change (the status file shows them)
     */
    public UdpVisitors(EventLoop loop, Supplier<Future<QuicChannel>> session, long idleNanos, Consumer<String> note,
                       Runnable changed) {
        this.loop = loop;
        this.session = session;
        this.note = note;
        this.changed = changed;
        this.flows = new FlowTable<>(MAX_FLOWS, idleNanos, System::nanoTime);
        long period = sweepPeriod(idleNanos);
        this.sweep = loop.scheduleAtFixedRate(this::expire, period, period, TimeUnit.NANOSECONDS);
    }

    /** How often idle flows are looked for: a flow ends at most a quarter of its timeout late, and within 1 s. */
    static long sweepPeriod(long idleNanos) {
        return Math.max(TimeUnit.MILLISECONDS.toNanos(50), Math.min(idleNanos / 4, TimeUnit.SECONDS.toNanos(1)));
    }

    /** Only datagrams from addresses {@code admits} accepts make or use a flow; the others are dropped and counted. */
    public UdpVisitors admitting(Predicate<InetAddress> admits) {
        this.admits = admits;
        return this;
    }

    public UdpStats stats() {
        return stats;
    }

    /** Binds the visitors' socket on {@code host:port} (0: any free port). */
    public ChannelFuture bind(String host, int port) {
        return new Bootstrap().group(loop).channel(Transport.datagramChannel())
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_UDP_PAYLOAD))
                .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
                        fromVisitor(packet);
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        // An ICMP error about one visitor must not end the listener for all.
                    }
                })
                .bind(host, port)
                .addListener(f -> {
                    if (f.isSuccess()) {
                        socket = ((ChannelFuture) f).channel();
                    }
                });
    }

    private void fromVisitor(DatagramPacket packet) {
        stats.fromVisitors++;
        stats.fromVisitorsBytes += packet.content().readableBytes();
        if (!admits.test(packet.sender().getAddress())) {
            stats.denied++;
            return;
        }
        FlowTable.Flow<InetSocketAddress, Void> flow = flows.byKey(packet.sender());
        if (flow == null) {
            flow = flows.open(packet.sender(), null);
            if (flow == null) {
                stats.refusedFlows++;
                return;
            }
            stats.flows = flows.size();
        }
        Future<QuicChannel> quic = session.get();
        if (quic.isDone()) {
            send(quic, flow, packet.content());
        } else if (pending < PENDING) {
            pending++;
            ByteBuf held = packet.content().retain();
            FlowTable.Flow<InetSocketAddress, Void> waiting = flow;
            quic.addListener(f -> {
                pending--;
                try {
                    send(quic, waiting, held);
                } finally {
                    held.release();
                }
            });
        } else {
            stats.dropped++;
        }
    }

    private void send(Future<QuicChannel> quic, FlowTable.Flow<InetSocketAddress, Void> flow, ByteBuf payload) {
        QuicChannel channel = quic.isSuccess() ? quic.getNow() : null;
        if (Datagrams.send(channel, flow.id, payload, stats) == Datagrams.Sent.OVERSIZE && !flow.oversizeNoted) {
            flow.oversizeNoted = true;
            note.accept("UDP datagram of " + payload.readableBytes() + " bytes from " + flow.key + " dropped: this"
                    + " session carries at most " + stats.maxPayload + " (docs/udp.md, \"Sizes\"; lower the"
                    + " application's MTU or packet size)");
        }
    }

    /** Reads replies from a session's QUIC channel; add it to every session's pipeline after {@link Datagrams#LIMIT}. */
    public ChannelHandler reader() {
        return reader;
    }

    private final ChannelHandler reader = new Reader();

    @ChannelHandler.Sharable
    private final class Reader extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf datagram)) {
                ctx.fireChannelRead(msg);
                return;
            }
            try {
                var flow = flows.byId(FlowDatagram.readFlowId(datagram));
                if (flow == null || socket == null || !socket.isWritable()) {
                    stats.dropped++; // the flow idled out, or the kernel's buffer is full: UDP loses it
                    return;
                }
                stats.datagrams++;
                stats.toVisitors++;
                stats.toVisitorsBytes += datagram.readableBytes();
                socket.writeAndFlush(new DatagramPacket(datagram.retain(), flow.key));
            } catch (ProtocolException e) {
                stats.dropped++;
            } finally {
                datagram.release();
            }
        }
    }

    private void expire() {
        int gone = flows.expire().size();
        stats.expiredFlows += gone;
        stats.flows = flows.size();
        if (stats.changed()) {
            changed.run();
        }
    }

    /** Where visitors send, once bound. */
    public InetSocketAddress localAddress() {
        return socket == null ? null : (InetSocketAddress) socket.localAddress();
    }

    public void close() {
        sweep.cancel(false);
        if (socket != null) {
            socket.close();
        }
    }
}
