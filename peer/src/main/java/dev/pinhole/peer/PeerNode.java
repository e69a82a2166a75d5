package dev.pinhole.peer;

import dev.pinhole.peer.control.ControlClient;
import dev.pinhole.peer.session.PathMux;
import dev.pinhole.peer.session.RelayPath;
import dev.pinhole.protocol.ControlMessage;
import dev.pinhole.protocol.ControlMessage.Close;
import dev.pinhole.protocol.ControlMessage.Relay;
import dev.pinhole.protocol.JoinCode;
import dev.pinhole.protocol.net.Transport;
import dev.pinhole.protocol.tls.Identity;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.quic.QuicChannel;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * What an exposer and a connector share: one event loop for everything (control connection, UDP
 * socket, QUIC, local sockets), so handlers never lock and packets never hop threads; one UDP socket
 * whose pipeline is {@link PathMux} then the QUIC codec; and the table of sessions by id.
 */
abstract class PeerNode implements ControlClient.Listener, AutoCloseable {
    /** One session with one other peer. */
    static final class Session {
        final int id;
        final String name;
        final String peerKey;
        final InetSocketAddress virtual;
        final RelayPath relay;
        QuicChannel quic;

        Session(int id, String name, String peerKey, InetSocketAddress virtual, RelayPath relay) {
            this.id = id;
            this.name = name;
            this.peerKey = peerKey;
            this.virtual = virtual;
            this.relay = relay;
        }
    }

    protected final Identity identity;
    protected final JoinCode server;
    protected final Output out;
    protected final EventLoopGroup group = Transport.newGroup(1, "peer");
    protected final EventLoop loop = group.next();
    protected final PathMux mux = new PathMux();
    protected final Map<Integer, Session> sessions = new ConcurrentHashMap<>();
    /** Read by TLS key checks, which may run off the event loop. */
    protected final Map<InetSocketAddress, Session> byAddress = new ConcurrentHashMap<>();
    /** Completes with a message when the node cannot go on (the command exits non-zero). */
    protected final CompletableFuture<String> failed = new CompletableFuture<>();
    protected ControlClient control;
    protected Channel udp;

    PeerNode(Identity identity, JoinCode server, Output out) {
        this.identity = identity;
        this.server = server;
        this.out = out;
    }

    abstract ChannelHandler quicCodec();

    abstract void onMessage(ControlMessage message);

    public void start() throws Exception {
        udp = new Bootstrap().group(loop).channel(Transport.datagramChannel())
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(mux, quicCodec());
                    }
                })
                .bind(new InetSocketAddress(0)).sync().channel();
        control = new ControlClient(server, identity, loop, this);
        control.start();
    }

    /** Waits until the node fails; returns the reason. */
    public String awaitFailure() throws Exception {
        return failed.get();
    }

    Session addSession(int id, String name, String peerKey) {
        RelayPath relay = new RelayPath(id, control::channel, server.address());
        InetSocketAddress virtual = mux.open(relay);
        Session session = new Session(id, name, peerKey, virtual, relay);
        sessions.put(id, session);
        byAddress.put(virtual, session);
        return session;
    }

    /** Forgets a session, closes its QUIC connection, and tells the rendezvous if asked to. */
    void endSession(Session session, String reason, boolean tellServer) {
        if (sessions.remove(session.id, session)) {
            byAddress.remove(session.virtual);
            mux.close(session.virtual);
            if (session.quic != null) {
                session.quic.close();
            }
            if (tellServer) {
                control.send(new Close(session.id, reason));
            }
            sessionEnded(session, reason);
        }
    }

    void sessionEnded(Session session, String reason) {}

    Session sessionOf(QuicChannel quic) {
        return byAddress.get((InetSocketAddress) quic.remoteSocketAddress());
    }

    @Override
    public void message(ControlMessage message) {
        if (message instanceof Relay relay) {
            Session session = sessions.get(relay.sessionId());
            if (session == null) {
                relay.release();
            } else {
                mux.deliver(session.virtual, relay.payload());
            }
        } else if (message instanceof Close close) {
            Session session = sessions.get(close.sessionId());
            if (session != null) {
                endSession(session, close.reason(), false);
            }
        } else {
            onMessage(message);
        }
    }

    @Override
    public void batchComplete() {
        mux.deliverComplete();
    }

    @Override
    public void down(String reason, long retryMillis) {
        out.note("rendezvous: " + reason + "; retrying in " + String.format("%.1f", retryMillis / 1000.0) + " s");
        // Relayed sessions cannot survive without the relay; close them so new connections start fresh.
        for (Session session : List.copyOf(sessions.values())) {
            endSession(session, "control connection lost", false);
        }
    }

    @Override
    public void fatal(String reason) {
        failed.complete(reason);
    }

    @Override
    public void close() {
        loop.submit(() -> {
            List.copyOf(sessions.values()).forEach(s -> endSession(s, "peer shutting down", true));
            if (control != null) {
                control.stop();
            }
        }).syncUninterruptibly();
        group.shutdownGracefully(100, 2_000, TimeUnit.MILLISECONDS).syncUninterruptibly();
    }
}
