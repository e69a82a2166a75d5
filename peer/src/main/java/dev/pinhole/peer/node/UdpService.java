package dev.pinhole.peer.node;

import dev.pinhole.protocol.FlowDatagram;
import dev.pinhole.protocol.ProtocolException;
import dev.pinhole.protocol.net.Transport;
import dev.pinhole.session.Datagrams;
import dev.pinhole.session.FlowTable;
import dev.pinhole.session.UdpStats;
import dev.pinhole.session.UdpVisitors;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The exposer's half of one session's UDP flows (docs/udp.md, "Flows"): one local UDP socket per flow, connected to
 * the service, so the service sees each visitor as a client of its own and its replies find their flow. Sits in the
 * session's QUIC channel pipeline and reads its DATAGRAM frames.
 */
final class UdpService extends ChannelInboundHandlerAdapter {
    /**
     * Datagrams a flow holds while its socket is being opened: a visitor's first burst (a game client's handshake,
     * the first window of a transfer) arrives in one read, before the socket is connected; 8 lost most of a burst of
     * 20. {@link #PENDING_BYTES} bounds what all opening flows of a session hold together.
     */
    static final int PENDING_PER_FLOW = 64;
    /** All flows of a session, while their sockets open: 64 full-size direct datagrams; a spray of new flows gets no more. */
    static final int PENDING_BYTES = 128 * 1024;

    /** A flow's socket to the service, and what arrived before it was connected. */
    private static final class Backend {
        Channel channel;
        final ArrayDeque<ByteBuf> pending = new ArrayDeque<>();
    }

    private final EventLoop loop;
    private final String host;
    private final int port;
    private final UdpStats stats;
    private final Consumer<String> note;
    private final FlowTable<Long, Backend> flows;
    private final ScheduledFuture<?> sweep;
    private QuicChannel quic;
    /** Bytes held in the pending queues of this session's flows. */
    private int pendingBytes;

    UdpService(EventLoop loop, String host, int port, long idleNanos, UdpStats stats, Consumer<String> note) {
        this.loop = loop;
        this.host = host;
        this.port = port;
        this.stats = stats;
        this.note = note;
        this.flows = new FlowTable<>(UdpVisitors.MAX_FLOWS, idleNanos, System::nanoTime);
        long period = Math.max(TimeUnit.MILLISECONDS.toNanos(50), Math.min(idleNanos / 4, TimeUnit.SECONDS.toNanos(1)));
        this.sweep = loop.scheduleAtFixedRate(this::expire, period, period, TimeUnit.NANOSECONDS);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        quic = (QuicChannel) ctx.channel();
        quic.closeFuture().addListener(f -> close());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf datagram)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            long id = FlowDatagram.readFlowId(datagram);
            FlowTable.Flow<Long, Backend> flow = flows.byId(id);
            if (flow == null) {
                flow = flows.open(id, id, new Backend());
                if (flow == null) {
                    stats.refusedFlows++;
                    return;
                }
                stats.flows++;
                connect(flow);
            }
            Backend backend = flow.value;
            if (backend.channel == null) {
                if (backend.pending.size() < PENDING_PER_FLOW
                        && pendingBytes + datagram.readableBytes() <= PENDING_BYTES) {
                    pendingBytes += datagram.readableBytes();
                    backend.pending.add(datagram.retain());
                } else {
                    stats.dropped++;
                }
            } else if (backend.channel.isActive() && backend.channel.isWritable()) {
                stats.datagrams++;
                backend.channel.writeAndFlush(datagram.retain());
            } else {
                stats.dropped++;
            }
        } catch (ProtocolException e) {
            stats.dropped++;
        } finally {
            datagram.release();
        }
    }

    private void connect(FlowTable.Flow<Long, Backend> flow) {
        new Bootstrap().group(loop).channel(Transport.datagramChannel())
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(UdpVisitors.MAX_UDP_PAYLOAD))
                .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket reply) {
                        flows.byId(flow.id); // a reply keeps the flow alive, as a visitor's datagram does
                        fromService(flow, reply.content());
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        // ICMP port unreachable while the service restarts: UDP loses the datagram, the flow lives on.
                    }
                })
                .connect(host, port)
                .addListener(f -> {
                    Backend backend = flow.value;
                    Channel channel = ((ChannelFuture) f).channel();
                    if (!f.isSuccess() || flows.byId(flow.id) != flow) {
                        channel.close();
                        stats.dropped += backend.pending.size();
                        releasePending(backend);
                        return;
                    }
                    backend.channel = channel;
                    for (ByteBuf held; (held = backend.pending.poll()) != null; ) {
                        pendingBytes -= held.readableBytes();
                        stats.datagrams++;
                        channel.write(held);
                    }
                    channel.flush();
                });
    }

    private void fromService(FlowTable.Flow<Long, Backend> flow, ByteBuf reply) {
        if (Datagrams.send(quic, flow.id, reply, stats) == Datagrams.Sent.OVERSIZE && !flow.oversizeNoted) {
            flow.oversizeNoted = true;
            note.accept("UDP reply of " + reply.readableBytes() + " bytes from " + host + ":" + port + " dropped: this"
                    + " session carries at most " + stats.maxPayload + " (docs/udp.md, \"Sizes\")");
        }
    }

    private void expire() {
        for (FlowTable.Flow<Long, Backend> flow : flows.expire()) {
            release(flow.value);
            stats.expiredFlows++;
            stats.flows--;
        }
    }

    private void release(Backend backend) {
        if (backend.channel != null) {
            backend.channel.close();
        }
        releasePending(backend);
    }

    private void releasePending(Backend backend) {
        for (ByteBuf held; (held = backend.pending.poll()) != null; ) {
            pendingBytes -= held.readableBytes();
            held.release();
        }
    }

    /** The session ended: its flows' sockets close. */
    private void close() {
        sweep.cancel(false);
        for (FlowTable.Flow<Long, Backend> flow : flows.clear()) {
            release(flow.value);
            stats.flows--;
        }
    }
}
