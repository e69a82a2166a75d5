package dev.pinhole.peer.punch;

import dev.pinhole.peer.punch.SimNet.Datagram;
import dev.pinhole.peer.punch.SimNet.Link;
import dev.pinhole.protocol.ControlMessage.Candidates;
import dev.pinhole.protocol.SessionSecret;
import dev.pinhole.protocol.punch.Probe;
import dev.pinhole.protocol.punch.Probe.Role;
import dev.pinhole.protocol.punch.ProbeCodec;
import dev.pinhole.protocol.punch.ProbeFormatException;
import dev.pinhole.session.PathMux;
import dev.pinhole.session.VirtualNet;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * One peer of a simulated session: a real {@link Punch} and a real {@link Reflexive} on a {@link SimNet}, wired as
 * {@code PeerNode} and {@code SessionPaths} wire them (one main socket carrying STUN and probes through a
 * {@link PathMux}, extra sockets for birthday probing, candidates over the rendezvous' control channel), with UDP
 * sockets that are ports of one host address behind its NAT. The session is idle: no QUIC packets either way.
 */
final class SimPeer implements Punch.Env, PathMux.Listener {
    static final int SESSION = 7;
    static final SessionSecret SECRET = new SessionSecret(new byte[32]);
    /** The main socket's port; extra sockets get the next ones, as an OS hands out ephemeral ports. */
    static final int MAIN_PORT = 40_000;

    private final SimNet net;
    private final InetAddress hostIp;
    private final InetAddress uplinkIp;
    private final Link gateway;
    private final boolean hostCandidates;
    private final ProbeCodec codec = new ProbeCodec(SECRET);
    private final PathMux mux = new PathMux(this, VirtualNet.PEER);
    private final EmbeddedChannel main = new EmbeddedChannel(new Wire(), mux);
    private final Reflexive reflexive;
    private final Map<Integer, Channel> sockets = new HashMap<>();
    private final Map<Channel, Integer> ports = new HashMap<>();
    private int nextPort = MAIN_PORT + 1;
    private SimPeer other;
    final Punch punch;
    /** Path changes as the user would see them: "direct ADDRESS" or "relay: WHY". */
    final List<String> paths = new ArrayList<>();
    /** Virtual time of the first switch to a direct path, or -1. */
    long directAtMillis = -1;

    /**
     * @param hostIp         the host's address (its LAN address behind a NAT)
     * @param uplinkIp       the site's outermost public address, whose uplink the control channel uses
     * @param gateway        the first hop out: the NAT's inside, or the internet for a host without NAT
     * @param hostCandidates whether the host's own address is a candidate, as when the rendezvous is not on loopback
     */
    SimPeer(SimNet net, Role role, InetAddress hostIp, InetAddress uplinkIp, Link gateway, boolean hostCandidates,
            long seed) {
        this.net = net;
        this.hostIp = hostIp;
        this.uplinkIp = uplinkIp;
        this.gateway = gateway;
        this.hostCandidates = hostCandidates;
        this.reflexive = new Reflexive(mux, net.loop());
        this.punch = new Punch(SESSION, role, codec, this, new Random(seed));
        sockets.put(MAIN_PORT, main);
        ports.put(main, MAIN_PORT);
    }

    /** The other peer of the session, which this one's candidates and path reports reach. */
    void pair(SimPeer other) {
        this.other = other;
        other.other = this;
    }

    /** Logged in: STUN starts on the main socket, as {@code PeerNode.ready} starts it. */
    void login() {
        reflexive.start(SimNet.STUN, SimNet.STUN_ALT);
    }

    /** The connector opened the session: punching starts once STUN has an answer ({@code PeerNode.punch}). */
    void open() {
        reflexive.whenReady(punch::start);
    }

    Reflexive.Result stunResult() {
        return reflexive.result();
    }

    /** A datagram reached this host: the socket bound to its port reads it, as the mux sorts it. */
    void receive(Datagram datagram) {
        Channel socket = sockets.get(datagram.to().getPort());
        if (socket != null) {
            mux.receive(socket, new DatagramPacket(Unpooled.wrappedBuffer(datagram.payload()), datagram.to(), datagram.from()));
        }
    }

    private void transmit(int fromPort, InetSocketAddress to, ByteBuf content) {
        try {
            gateway.send(new Datagram(new InetSocketAddress(hostIp, fromPort), to, ByteBufUtil.getBytes(content)));
        } finally {
            content.release();
        }
    }

    /** The main socket's wire: what the mux writes (STUN) leaves through the gateway. */
    private final class Wire extends ChannelOutboundHandlerAdapter {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            DatagramPacket packet = (DatagramPacket) msg;
            transmit(MAIN_PORT, packet.recipient(), packet.content());
            promise.trySuccess();
        }
    }

    @Override
    public void stun(DatagramPacket packet) {
        reflexive.received(packet);
    }

    /** As {@code PeerNode.probe}: decoded with the session's secret, handed to its punch. */
    @Override
    public void probe(Channel socket, DatagramPacket packet) {
        try {
            Probe probe = codec.decode(packet.content());
            if (probe.sessionId() == SESSION) {
                punch.received(socket, packet.sender(), probe, packet.content().readableBytes());
            }
        } catch (ProbeFormatException e) {
            throw new AssertionError("only the two peers send probes here", e);
        } finally {
            packet.release();
        }
    }

    @Override
    public long nanoTime() {
        return net.nanoTime();
    }

    @Override
    public Future<?> schedule(Runnable task, long delayMillis) {
        return net.schedule(task, delayMillis);
    }

    @Override
    public Reflexive.Result local() {
        return reflexive.result();
    }

    @Override
    public void refreshLocal(Runnable then) {
        reflexive.refresh();
        reflexive.whenReady(then);
    }

    @Override
    public List<InetSocketAddress> hosts() {
        return hostCandidates ? List.of(new InetSocketAddress(hostIp, MAIN_PORT)) : List.of();
    }

    @Override
    public Channel mainSocket() {
        return main;
    }

    /** Through the rendezvous; the other side answers once its own STUN is ready ({@code PeerNode.message}). */
    @Override
    public void sendCandidates(Candidates candidates) {
        net.control(uplinkIp, other.uplinkIp, () -> other.reflexive.whenReady(() -> other.punch.candidates(candidates)));
    }

    /** Bound on the next event-loop turn, as a real bind completes. */
    @Override
    public void openSockets(int count, Consumer<List<Channel>> opened) {
        List<Channel> fresh = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Channel socket = new EmbeddedChannel();
            sockets.put(nextPort, socket);
            ports.put(socket, nextPort++);
            fresh.add(socket);
        }
        net.schedule(() -> opened.accept(fresh), 0);
    }

    @Override
    public void closeSocket(Channel socket) {
        Integer port = ports.remove(socket);
        if (port != null) {
            sockets.remove(port);
        }
        socket.close();
    }

    @Override
    public void send(Channel socket, InetSocketAddress to, ByteBuf datagram) {
        Integer port = ports.get(socket);
        if (port == null) {
            datagram.release();
            throw new AssertionError("a punch sent from a socket it had closed");
        }
        transmit(port, to, datagram);
    }

    @Override
    public void allow(Channel socket, InetSocketAddress remote) {}

    @Override
    public void direct(Channel socket, InetSocketAddress remote, double rttMillis) {
        paths.add("direct " + remote);
        net.control(uplinkIp, other.uplinkIp, other.punch::otherDirect);
        if (directAtMillis < 0) {
            directAtMillis = net.millis();
        }
    }

    /** The rendezvous passes a fallback on to the other peer ({@code PathReport}), which follows. */
    @Override
    public void relay(String why) {
        paths.add("relay: " + why);
        net.control(uplinkIp, other.uplinkIp, other.punch::otherLeft);
    }

    @Override
    public long[] quicReceived() {
        return new long[2];
    }

    void close() {
        punch.close();
        reflexive.stop();
        main.finishAndReleaseAll();
    }
}
