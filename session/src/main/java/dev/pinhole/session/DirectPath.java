package dev.pinhole.session;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.SegmentedDatagramPacket;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;

/**
 * Session packets sent straight to the other peer over a punched UDP path: from {@code socket} (the
 * peer's main socket, or the birthday socket that won) to {@code remote}. A batch leaves as one GSO
 * send where the kernel supports it (UDP_SEGMENT, Linux 4.18+), else packet by packet.
 */
public final class DirectPath implements PacketPath {
    private final PathMux mux;
    private final Channel socket;
    private final InetSocketAddress remote;
    private final boolean gso;
    private double rttMillis;

    public DirectPath(PathMux mux, Channel socket, InetSocketAddress remote, double rttMillis) {
        this.mux = mux;
        this.socket = socket;
        this.remote = remote;
        this.rttMillis = rttMillis;
        this.gso = socket instanceof EpollDatagramChannel && SegmentedDatagramPacket.isSupported();
    }

    @Override
    public void send(ByteBuf packets, int segmentSize) {
        if (segmentSize > 0 && packets.readableBytes() > segmentSize && gso) {
            mux.write(socket, new SegmentedDatagramPacket(packets, segmentSize, remote));
            return;
        }
        PacketBatch.split(packets, segmentSize, packet -> mux.write(socket, new DatagramPacket(packet, remote)));
    }

    @Override
    public void flush() {
        if (socket != mux.socket()) {
            socket.flush();
        }
    }

    /** The lowest round-trip time measured on this path (punch and keepalive probes). */
    public double rttMillis() {
        return rttMillis;
    }

    public void measured(double rtt) {
        rttMillis = Math.min(rttMillis, rtt);
    }

    @Override
    public String kind() {
        return "direct";
    }

    @Override
    public String remote() {
        return remote.getAddress().getHostAddress() + ":" + remote.getPort();
    }
}
