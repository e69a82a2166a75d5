package dev.pinhole.session;

import dev.pinhole.protocol.net.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.DatagramChannel;

/**
 * Options of a peer's UDP sockets, the ones that carry direct paths (docs/performance.md, "Receiving in batches").
 * On Linux the socket reads with {@code recvmmsg}: up to {@link #RECEIVE_BUFFER} / {@link #DATAGRAM_SLOT}
 * datagrams per system call instead of one, which cut the receiving peer's CPU per GiB by 10–30 % on a
 * direct path. (UDP GRO, one buffer per GSO batch, was measured too and lost: docs/performance.md.)
 */
public final class PeerSocket {
    /** Large socket buffers: a gigabit of MTU-sized QUIC packets arrives in bursts between event-loop turns. */
    static final int SOCKET_BUFFER = 4 << 20;
    /**
     * Room for one datagram: above the largest this socket is sent ({@link QuicSettings#UDP_PAYLOAD}, punch
     * probes and STUN are smaller), so none is truncated, with headroom should a path allow larger packets.
     */
    static final int DATAGRAM_SLOT = 2048;
    /** One read's buffer: 32 slots, the batch a sender's GSO send (40 packets) mostly fills in one call. */
    static final int RECEIVE_BUFFER = 32 * DATAGRAM_SLOT;

    private PeerSocket() {}

    /** A bootstrap of a UDP socket on {@code loop} with these options; the caller adds its handler. */
    public static Bootstrap bootstrap(EventLoopGroup loop) {
        Class<? extends DatagramChannel> channel = Transport.datagramChannel();
        Bootstrap bootstrap = new Bootstrap().group(loop).channel(channel)
                .option(ChannelOption.SO_RCVBUF, SOCKET_BUFFER)
                .option(ChannelOption.SO_SNDBUF, SOCKET_BUFFER);
        if (channel == EpollDatagramChannel.class) {
            bootstrap.option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, DATAGRAM_SLOT)
                    .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(RECEIVE_BUFFER));
        }
        return bootstrap;
    }
}
