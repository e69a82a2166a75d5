package dev.pinhole.rendezvous.ingress;

import dev.pinhole.protocol.ControlMessage.Relay;
import dev.pinhole.protocol.Fingerprint;
import dev.pinhole.protocol.net.Transport;
import dev.pinhole.protocol.tls.Identity;
import dev.pinhole.protocol.tls.PinnedTrustManager;
import dev.pinhole.rendezvous.registry.IngressConnector;
import dev.pinhole.rendezvous.registry.Peer;
import dev.pinhole.rendezvous.registry.Registry;
import dev.pinhole.rendezvous.registry.RelaySession;
import dev.pinhole.session.Datagrams;
import dev.pinhole.session.PacketBatch;
import dev.pinhole.session.PathMux;
import dev.pinhole.session.QuicBytes;
import dev.pinhole.session.QuicSettings;
import dev.pinhole.session.RelayPath;
import dev.pinhole.session.UdpVisitors;
import dev.pinhole.session.VirtualNet;
import dev.pinhole.session.Visitors;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The rendezvous as a connecting peer, for public ingress: visitors' connections become streams of a QUIC
 * session to the exposer, opened and pinned exactly like a {@code peer connect} session (the exposer sees an
 * {@code Incoming} with the rendezvous' key), carried over the relay. So an exposer has one way in, whoever
 * connects (docs/ingress-and-dashboard.md, "One way into an exposer"). Everything here runs on one event
 * loop.
 */
public final class Ingress implements IngressConnector, AutoCloseable {
    private record Session(int id, String name, String exposerKey, InetSocketAddress virtual, Promise<QuicChannel> quic) {}

    private final Registry registry;
    private final Identity identity;
    private final EventLoop loop;
    private final PathMux mux = new PathMux(PathMux.Listener.DISCARD, VirtualNet.INGRESS);
    private final Map<String, Session> byName = new HashMap<>();
    private final Map<Integer, Session> byId = new HashMap<>();
    /** Read by the TLS key check, which may run off the loop. */
    private final Map<InetSocketAddress, Session> byVirtual = new ConcurrentHashMap<>();
    private Channel udp;
    /** Public UDP ports' visitors by service name ({@link UdpIngress}): the reader of each session hands replies there. */
    private final Map<String, UdpVisitors> udpVisitors = new ConcurrentHashMap<>();
    /** Exposers' packets handed to this loop and not yet fed to QUIC (see {@link #deliver}). */
    private final AtomicLong pending = new AtomicLong();

    /**
     * The ingress loop's share of the relay's memory bound: the send buffer's high-water mark (4 MiB). Above it
     * an exposer's packets are dropped, as the relay drops them for a slow peer; QUIC slows down.
     */
    static final long MAX_PENDING = 4L * 1024 * 1024;
    /** A session whose QUIC handshake has not finished by then is given up (as peers give up theirs). */
    static final long HANDSHAKE_MILLIS = 10_000;

    public Ingress(Registry registry, Identity identity, EventLoop loop) {
        this.registry = registry;
        this.identity = identity;
        this.loop = loop;
    }

    public Ingress start() throws InterruptedException {
        PinnedTrustManager.Check exposerKeys = (certificate, engine) -> {
            var virtual = QuicSettings.peerOf(engine);
            Session session = virtual == null ? null : byVirtual.get(virtual);
            if (session == null) {
                return "no ingress session is expecting this handshake";
            }
            String key = Identity.keyFingerprint(certificate);
            return Fingerprint.matches(session.exposerKey(), key) ? null : "exposer key " + key + " is not " + session.exposerKey();
        };
        // A socket that never sends: the mux hands every packet to the relay path (loopback, port chosen by the OS).
        udp = new Bootstrap().group(loop).channel(Transport.datagramChannel())
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(mux, QuicSettings.client(identity, exposerKeys, QuicSettings.RELAY_PAYLOAD));
                    }
                })
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
        loop.scheduleWithFixedDelay(this::countBytes, 5, 5, TimeUnit.SECONDS);
        return this;
    }

    /** The rendezvous is these sessions' connector, so it counts their bytes itself, as peers do (see {@code Traffic}). */
    private void countBytes() {
        for (Session session : byId.values()) {
            if (session.quic().isSuccess()) {
                QuicBytes.count(session.quic().getNow(), (sent, received) -> {
                    RelaySession relay = registry.session(session.id());
                    if (relay != null) {
                        relay.reportBytes(sent + received);
                    }
                });
            }
        }
    }

    EventLoop loop() {
        return loop;
    }

    /** Carries {@code visitor} (a TCP connection accepted on the loop) to the service {@code name} as one stream. */
    void carry(Channel visitor, String name) {
        Visitors.carry(session(name), visitor);
    }

    /** The session the public UDP port of {@code name} sends its flows on (opened on demand). On the loop. */
    Future<QuicChannel> udpSession(String name) {
        return session(name);
    }

    /** Replies of {@code name}'s sessions go to {@code visitors} from now on. */
    void udpVisitors(String name, UdpVisitors visitors) {
        udpVisitors.put(name, visitors);
    }

    /** {@code visitors}' port closed: replies of {@code name}'s sessions are dropped unless another port took over. */
    void noUdpVisitors(String name, UdpVisitors visitors) {
        udpVisitors.remove(name, visitors);
    }

    /** A new stream to the service {@code name} (TCP header written, auto-read off). On the loop. */
    Future<QuicStreamChannel> stream(String name) {
        return Visitors.openStream(session(name), loop);
    }

    /**
     * The live session to {@code name}'s exposer, or a new one. On the loop. A session whose stream credit is used
     * up (every stream the exposer allows is open: held visitors) is left to its streams and the next visitor gets
     * a new session, so a few held connections cannot lock a service (up to the exposer's session limit).
     */
    private Future<QuicChannel> session(String name) {
        Session live = byName.get(name);
        if (live != null && byId.containsKey(live.id())
                && (!live.quic().isSuccess() || live.quic().getNow().peerAllowedStreams(QuicStreamType.BIDIRECTIONAL) > 0)) {
            return live.quic();
        }
        Promise<QuicChannel> promise = loop.newPromise();
        RelaySession relay = registry.openIngressSession(name, identity.keyFingerprint(), this).orElse(null);
        if (relay == null) {
            return promise.setFailure(new IllegalStateException("service '" + name + "' is offline"));
        }
        Peer exposer = relay.exposer();
        RelayPath path = new RelayPath(relay.id(), exposer::channel, "ingress");
        InetSocketAddress virtual = mux.open(path);
        if (virtual == null) {
            registry.endIngressSession(relay.id(), "no virtual address left for one more ingress session");
            return promise.setFailure(new IllegalStateException("too many ingress sessions open at once"));
        }
        Session session = new Session(relay.id(), name, exposer.id(), virtual, promise);
        byName.put(name, session);
        byId.put(session.id(), session);
        byVirtual.put(virtual, session);
        var handshake = loop.schedule(() -> {
            if (promise.tryFailure(new IllegalStateException("the exposer did not finish the QUIC handshake within "
                    + HANDSHAKE_MILLIS + " ms"))) {
                forget(session);
            }
        }, HANDSHAKE_MILLIS, TimeUnit.MILLISECONDS);
        QuicChannel.newBootstrap(udp).remoteAddress(virtual).streamHandler(new ChannelInboundHandlerAdapter())
                .handler(Datagrams.pipeline(new UdpReplies(name))).connect()
                .addListener(future -> {
                    handshake.cancel(false);
                    if (future.isSuccess()) {
                        QuicChannel quic = (QuicChannel) future.getNow();
                        quic.closeFuture().addListener(f -> forget(session));
                        // Ready once the handshake has also said how large a datagram may be (a moment later): a
                        // public UDP port's first datagrams, held while the session opens, are then sent, not dropped.
                        Datagrams.whenReady(quic, () -> {
                            if (!promise.trySuccess(quic)) {
                                quic.close(); // given up already
                            }
                        });
                    } else {
                        forget(session);
                        promise.tryFailure(future.cause());
                    }
                });
        return promise;
    }

    /** Called on the exposer's loop; above {@link #MAX_PENDING} bytes not yet taken by this loop, drops the batch. */
    @Override
    public void deliver(List<Relay> packets) {
        long bytes = 0;
        for (Relay relay : packets) {
            bytes += relay.payload().readableBytes();
        }
        if (pending.get() + bytes > MAX_PENDING) {
            packets.forEach(Relay::release);
            registry.metrics.droppedPackets.add(packets.size());
            return;
        }
        long handedOver = bytes;
        pending.addAndGet(handedOver);
        loop.execute(() -> {
            pending.addAndGet(-handedOver);
            for (Relay relay : packets) {
                Session session = byId.get(relay.sessionId());
                if (session == null) {
                    relay.release();
                } else {
                    PacketBatch.split(relay.payload(), relay.segmentSize(), packet -> mux.deliver(session.virtual(), packet));
                }
            }
            mux.deliverComplete();
        });
    }

    @Override
    public void ended(int sessionId) {
        loop.execute(() -> {
            Session session = byId.get(sessionId);
            if (session != null) {
                forget(session);
                if (session.quic().isSuccess()) {
                    session.quic().getNow().close();
                }
            }
        });
    }

    /** A session's DATAGRAM frames: replies to the visitors of the service's public UDP port, or dropped. */
    private final class UdpReplies extends ChannelInboundHandlerAdapter {
        private final String name;

        UdpReplies(String name) {
            this.name = name;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            UdpVisitors visitors = udpVisitors.get(name);
            if (visitors != null) {
                ((ChannelInboundHandler) visitors.reader()).channelRead(ctx, msg);
            } else {
                ReferenceCountUtil.release(msg);
            }
        }
    }

    private void forget(Session session) {
        if (byId.remove(session.id(), session)) {
            byName.remove(session.name(), session);
            byVirtual.remove(session.virtual());
            mux.close(session.virtual());
            registry.endIngressSession(session.id(), "ingress session closed");
        }
    }

    @Override
    public void close() {
        if (udp != null) {
            udp.close().syncUninterruptibly();
        }
    }
}
