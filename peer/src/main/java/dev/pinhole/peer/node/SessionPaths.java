package dev.pinhole.peer.node;

import dev.pinhole.peer.punch.ProbeBudget;
import dev.pinhole.peer.punch.Punch;
import dev.pinhole.peer.punch.Reflexive;
import dev.pinhole.peer.punch.SocketQuota;
import dev.pinhole.protocol.ControlMessage.Candidates;
import dev.pinhole.session.DirectPath;
import dev.pinhole.session.PacketPath;
import dev.pinhole.session.PathMux;
import dev.pinhole.session.PeerSocket;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** The world as one session's {@link Punch} sees it: the node's socket, timers, control connection and mux. */
final class SessionPaths implements Punch.Env {
    private final PeerNode node;
    private final Session session;

    SessionPaths(PeerNode node, Session session) {
        this.node = node;
        this.session = session;
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public Future<?> schedule(Runnable task, long delayMillis) {
        return node.loop.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public ProbeBudget nodeBudget() {
        return node.probeBudget;
    }

    @Override
    public SocketQuota socketQuota() {
        return node.socketQuota;
    }

    @Override
    public Reflexive.Result local() {
        return node.reflexive.result();
    }

    @Override
    public void refreshLocal(Runnable then) {
        node.reflexive.refresh();
        node.reflexive.whenReady(() -> {
            node.reportNat();
            then.run();
        });
    }

    @Override
    public List<InetSocketAddress> hosts() {
        return node.hosts;
    }

    @Override
    public Channel mainSocket() {
        return node.udp;
    }

    @Override
    public void sendCandidates(Candidates candidates) {
        node.control.send(candidates);
    }

    @Override
    public void openSockets(int count, Consumer<List<Channel>> opened) {
        List<Channel> sockets = new ArrayList<>(count);
        int[] pending = {count};
        Bootstrap bootstrap = PeerSocket.bootstrap(node.loop)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new BirthdaySocket(node.mux));
                    }
                });
        for (int i = 0; i < count; i++) {
            ChannelFuture bound = bootstrap.bind(new InetSocketAddress(0));
            bound.addListener(f -> {
                if (f.isSuccess()) {
                    sockets.add(bound.channel());
                }
                if (--pending[0] == 0) {
                    opened.accept(sockets);
                }
            });
        }
    }

    /** Feeds what an extra socket receives to the mux, as if the main socket had received it. */
    private static final class BirthdaySocket extends SimpleChannelInboundHandler<DatagramPacket> {
        private final PathMux mux;

        BirthdaySocket(PathMux mux) {
            super(false);
            this.mux = mux;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            mux.receive(ctx.channel(), packet);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            mux.deliverComplete();
        }
    }

    @Override
    public void closeSocket(Channel socket) {
        node.mux.forget(socket);
        socket.close();
    }

    @Override
    public void send(Channel socket, InetSocketAddress to, ByteBuf datagram) {
        node.mux.writeNow(socket, new DatagramPacket(datagram, to));
    }

    @Override
    public void allow(Channel socket, InetSocketAddress remote) {
        session.mux.allow(socket, remote, session.virtual);
    }

    @Override
    public void direct(Channel socket, InetSocketAddress remote, double rttMillis) {
        DirectPath path = new DirectPath(node.mux, socket, remote, rttMillis);
        session.mux.switchPath(session.virtual, path);
        node.pathChanged(session, path, null);
    }

    @Override
    public void relay(String why) {
        session.mux.switchPath(session.virtual, session.relay);
        node.pathChanged(session, session.relay, why);
    }

    @Override
    public void measured(double rttMillis) {
        if (current() instanceof DirectPath direct) {
            direct.measured(rttMillis);
        }
    }

    @Override
    public long[] quicReceived() {
        return session.mux.received(session.virtual);
    }

    @Override
    public long quicSentDirect() {
        return session.mux.sentDirect(session.virtual);
    }

    PacketPath current() {
        return session.mux.path(session.virtual);
    }
}
