package dev.pinhole.session;

import dev.pinhole.protocol.punch.ProbeCodec;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Sits on the peer's UDP socket, in front of the QUIC codec, and does two jobs.
 *
 * <p>Paths: each session's QUIC connection talks to a virtual address ({@link VirtualNet}, never sent on the
 * wire); outbound packets to a virtual address go to that session's current {@link PacketPath}, and
 * packets arriving on any path are handed to QUIC as if they came from the virtual address. So a path
 * can change under a live connection without QUIC seeing a migration (Netty's QUIC handles only one
 * server-side migration; see docs/architecture.md).
 *
 * <p>Demultiplexing (RFC 7983 / RFC 9443, by first byte): one socket carries STUN (0..3) to the
 * rendezvous, punch probes ({@link ProbeCodec#MAGIC}) and QUIC (fixed bit 0x40 set), so the NAT mapping
 * STUN learned is the one QUIC uses. QUIC from a real address is accepted only from a remote a punch
 * has verified for a session ({@link #allow}); anything else is dropped. Extra sockets opened for
 * birthday probing feed their datagrams in through {@link #receive}.
 */
public final class PathMux extends ChannelDuplexHandler {
    /** Where STUN responses and probes go. Called on the event loop; the callee releases the packet. */
    public interface Listener {
        /** For a mux whose socket never talks to the network (relay-only codecs): drops whatever comes. */
        Listener DISCARD = new Listener() {
            @Override
            public void stun(DatagramPacket packet) {
                packet.release();
            }

            @Override
            public void probe(Channel socket, DatagramPacket packet) {
                packet.release();
            }
        };

        void stun(DatagramPacket packet);

        void probe(Channel socket, DatagramPacket packet);
    }

    private record Key(Channel socket, InetSocketAddress remote) {}

    /**
     * A session's current path, how many QUIC packets arrived for it over the relay and directly, and how
     * many sends (packets or batches) it made on direct paths.
     */
    private static final class Route {
        /** The remotes QUIC is accepted from for this session, eldest first. */
        final Set<Key> allowed = new LinkedHashSet<>();
        PacketPath path;
        long relayIn;
        long directIn;
        long directOut;

        Route(PacketPath path) {
            this.path = path;
        }
    }

    /**
     * Remotes one session accepts QUIC from: its direct path and a few candidates that pinged. A probe with a
     * forged source adds one, so without a bound the table would grow with every forged address
     * (docs/security.md, "Limits: hole punching and STUN").
     */
    static final int MAX_ALLOWED_PER_SESSION = 8;


    private final Map<InetSocketAddress, Route> routes = new HashMap<>();
    private final Map<Key, InetSocketAddress> verified = new HashMap<>();
    private final List<PacketPath> unflushed = new ArrayList<>();
    private final Listener listener;
    private final VirtualNet net;
    private ChannelHandlerContext ctx;
    private int nextVirtual = 1;
    private long dropped;

    /** @param net this mux's virtual addresses: two muxes of one process must use different ones */
    public PathMux(Listener listener, VirtualNet net) {
        this.listener = listener;
        this.net = net;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /**
     * Allocates a virtual address for a new session and routes it over {@code path}; null when all 65535 are in
     * use, so the caller refuses that one session and nothing else.
     */
    public InetSocketAddress open(PacketPath path) {
        for (int tries = 0; tries < VirtualNet.ADDRESSES; tries++) {
            int n = nextVirtual;
            nextVirtual = nextVirtual == VirtualNet.ADDRESSES ? 1 : nextVirtual + 1;
            InetSocketAddress address = net.address(n);
            if (!routes.containsKey(address)) {
                routes.put(address, new Route(path));
                return address;
            }
        }
        return null;
    }

    /** Moves a session to another path; QUIC does not notice. */
    public void switchPath(InetSocketAddress virtual, PacketPath path) {
        Route route = routes.get(virtual);
        if (route != null) {
            route.path = path;
        }
    }

    public PacketPath path(InetSocketAddress virtual) {
        Route route = routes.get(virtual);
        return route == null ? null : route.path;
    }

    /** QUIC packets received for the session so far: {over the relay, over direct paths}. */
    public long[] received(InetSocketAddress virtual) {
        Route route = routes.get(virtual);
        return route == null ? new long[2] : new long[] {route.relayIn, route.directIn};
    }

    /** Sends (a packet or a batch each) the session {@code virtual} made over direct paths so far. */
    public long sentDirect(InetSocketAddress virtual) {
        Route route = routes.get(virtual);
        return route == null ? 0 : route.directOut;
    }

    /**
     * Accepts QUIC packets from {@code remote} on {@code socket} as the session {@code virtual}'s, unless they
     * are another live session's: a probe of one session (whose partner can forge its source) must not take
     * over the path of another. The session's eldest remote goes when it has {@value #MAX_ALLOWED_PER_SESSION}.
     * Returns whether the remote is now the session's.
     */
    public boolean allow(Channel socket, InetSocketAddress remote, InetSocketAddress virtual) {
        Route route = routes.get(virtual);
        Key key = new Key(socket, remote);
        InetSocketAddress owner = verified.get(key);
        if (route == null || owner != null && !owner.equals(virtual) && routes.containsKey(owner)) {
            return false;
        }
        route.allowed.remove(key);
        route.allowed.add(key);
        verified.put(key, virtual);
        if (route.allowed.size() > MAX_ALLOWED_PER_SESSION) {
            Key eldest = route.allowed.iterator().next();
            route.allowed.remove(eldest);
            verified.remove(eldest);
        }
        return true;
    }

    public void close(InetSocketAddress virtual) {
        Route route = routes.remove(virtual);
        if (route != null) {
            route.allowed.forEach(key -> verified.remove(key, virtual));
        }
    }

    /** Forgets every verified remote reached through {@code socket} (it is being closed). */
    public void forget(Channel socket) {
        verified.keySet().removeIf(key -> key.socket() == socket);
        routes.values().forEach(route -> route.allowed.removeIf(key -> key.socket() == socket));
    }

    /** Remotes QUIC is accepted from, all sessions together (for tests of the bound). */
    int allowedRemotes() {
        return verified.size();
    }

    /** The peer's main UDP socket. */
    public Channel socket() {
        return ctx.channel();
    }

    /** Hands a packet that arrived over the relay for session {@code virtual} to QUIC. Call on the event loop. */
    public void deliver(InetSocketAddress virtual, ByteBuf packet) {
        deliver(virtual, packet, false);
    }

    private void deliver(InetSocketAddress virtual, ByteBuf packet, boolean direct) {
        Route route = routes.get(virtual);
        if (route == null) {
            packet.release();
            return;
        }
        if (direct) {
            route.directIn++;
        } else {
            route.relayIn++;
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
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof DatagramPacket packet) {
            receive(ctx.channel(), packet);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    /** Sorts one datagram received on {@code socket} (the main socket or a birthday socket). */
    public void receive(Channel socket, DatagramPacket packet) {
        ByteBuf content = packet.content();
        int first = content.isReadable() ? content.getUnsignedByte(content.readerIndex()) : -1;
        if (first >= 0 && first <= 3) {
            listener.stun(packet);
        } else if (first == ProbeCodec.MAGIC) {
            listener.probe(socket, packet);
        } else if (first >= 0 && (first & 0x40) != 0) {
            InetSocketAddress virtual = verified.get(new Key(socket, packet.sender()));
            if (virtual != null) {
                deliver(virtual, content, true);
            } else {
                dropped++;
                packet.release();
            }
        } else {
            dropped++;
            packet.release();
        }
    }

    /** Datagrams from unverified senders or of unknown kinds, dropped. */
    public long dropped() {
        return dropped;
    }

    /** Sends a datagram from {@code socket}, below the QUIC codec; flushed with the next flush. */
    public void write(Channel socket, DatagramPacket packet) {
        if (socket == ctx.channel()) {
            ctx.write(packet, ctx.voidPromise());
        } else {
            socket.write(packet, socket.voidPromise());
        }
    }

    /** Sends a datagram from {@code socket} now (probes, STUN). */
    public void writeNow(Channel socket, DatagramPacket packet) {
        if (socket == ctx.channel()) {
            ctx.writeAndFlush(packet, ctx.voidPromise());
        } else {
            socket.writeAndFlush(packet, socket.voidPromise());
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof DatagramPacket packet && packet.recipient() != null) {
            Route route = routes.get(packet.recipient());
            PacketPath path = route == null ? null : route.path;
            if (path != null) {
                if (path instanceof DirectPath) {
                    route.directOut++;
                }
                path.send(packet.content(), packet instanceof PacketBatch batch ? batch.segmentSize() : 0);
                if (!unflushed.contains(path)) {
                    unflushed.add(path);
                }
                promise.trySuccess();
                return;
            }
            if (net.contains(packet.recipient())) {
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
}
