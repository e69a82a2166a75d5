package dev.pinhole.peer.session;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Sits on the peer's UDP socket, in front of the QUIC codec. Each session's QUIC connection talks to
 * a virtual address (127.77.x.y, never sent on the wire); outbound packets to a virtual address go to
 * that session's current {@link PacketPath}, and packets arriving on any path are handed to QUIC as if
 * they came from the virtual address. So a path can change under a live connection without QUIC
 * seeing a migration (Netty's QUIC handles only one server-side migration; see docs/architecture.md).
 * Everything else (real UDP) passes through untouched.
 */
public final class PathMux extends ChannelDuplexHandler {
    private final Map<InetSocketAddress, PacketPath> routes = new HashMap<>();
    private final List<PacketPath> unflushed = new ArrayList<>();
    private ChannelHandlerContext ctx;
    private int nextVirtual = 1;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** Allocates a virtual address for a new session and routes it over {@code path}. */
    public InetSocketAddress open(PacketPath path) {
        for (int tries = 0; tries < 65_536; tries++) {
            int n = nextVirtual;
            nextVirtual = nextVirtual == 65_535 ? 1 : nextVirtual + 1;
            InetSocketAddress address = virtualAddress(n);
            if (!routes.containsKey(address)) {
                routes.put(address, path);
                return address;
            }
        }
        throw new IllegalStateException("65535 sessions open at once");
    }

    /** Moves a session to another path; QUIC does not notice. */
    public void switchPath(InetSocketAddress virtual, PacketPath path) {
        routes.replace(virtual, path);
    }

    public void close(InetSocketAddress virtual) {
        routes.remove(virtual);
    }

    /** Hands a packet that arrived for session {@code virtual} to QUIC. Call on the event loop. */
    public void deliver(InetSocketAddress virtual, ByteBuf packet) {
        if (!routes.containsKey(virtual)) {
            packet.release();
            return;
        }
        ctx.fireChannelRead(new DatagramPacket(packet, localAddress(), virtual));
    }

    private InetSocketAddress localAddress() {
        return ctx.channel().localAddress() instanceof InetSocketAddress local ? local : new InetSocketAddress(0);
    }

    /** Ends a batch of {@link #deliver} calls, so QUIC processes them and sends its answers. */
    public void deliverComplete() {
        ctx.fireChannelReadComplete();
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof DatagramPacket packet && packet.recipient() != null) {
            PacketPath path = routes.get(packet.recipient());
            if (path != null) {
                path.send(packet.content());
                if (!unflushed.contains(path)) {
                    unflushed.add(path);
                }
                promise.trySuccess();
                return;
            }
            if (isVirtual(packet.recipient())) {
                // A closed session's late packet: never let a virtual address reach the network.
                packet.release();
                promise.trySuccess();
                return;
            }
        }
        ctx.write(msg, promise);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        for (PacketPath path : unflushed) {
            path.flush();
        }
        unflushed.clear();
        ctx.flush();
    }

    static boolean isVirtual(InetSocketAddress address) {
        byte[] bytes = address.getAddress() == null ? null : address.getAddress().getAddress();
        return bytes != null && bytes.length == 4 && bytes[0] == 127 && bytes[1] == 77;
    }

    static InetSocketAddress virtualAddress(int n) {
        try {
            byte[] ip = {127, 77, (byte) (n >>> 8), (byte) n};
            return new InetSocketAddress(InetAddress.getByAddress(ip), 7);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
