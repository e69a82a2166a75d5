package dev.pinhole.peer.node;

import dev.pinhole.protocol.ControlMessage;
import dev.pinhole.protocol.ControlMessage.Error;
import dev.pinhole.protocol.ControlMessage.Open;
import dev.pinhole.protocol.ControlMessage.Opened;
import dev.pinhole.protocol.ControlMessage.Welcome;
import dev.pinhole.protocol.ErrorCode;
import dev.pinhole.protocol.Fingerprint;
import dev.pinhole.protocol.JoinCode;
import dev.pinhole.protocol.net.Transport;
import dev.pinhole.protocol.punch.Probe;
import dev.pinhole.protocol.tls.Identity;
import dev.pinhole.protocol.tls.PinnedTrustManager;
import dev.pinhole.session.Datagrams;
import dev.pinhole.session.PathMux;
import dev.pinhole.session.QuicBytes;
import dev.pinhole.session.QuicSettings;
import dev.pinhole.session.UdpVisitors;
import dev.pinhole.session.VirtualNet;
import dev.pinhole.session.Visitors;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicChannelBootstrap;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * {@code peer connect}: opens a session to a named service and listens locally; each accepted TCP
 * connection becomes one stream of that session. The session is opened before the first connection
 * arrives (so the first byte does not wait for a handshake) and again on demand after it ends.
 */
public final class Connector extends PeerNode {
    /**
     * @param listenPort   null: the exposed service's port if free, else any free port
     * @param expectKey    the exposer's key fingerprint pinned by hand, or null to take the rendezvous' word
     */
    public record Target(String name, String listenHost, Integer listenPort, String expectKey) {}

    private final Target target;
    private final Map<Integer, Promise<QuicChannel>> pendingOpens = new HashMap<>();
    private Promise<QuicChannel> current;
    /** The id of the session {@code current} resolved to; it is live while it is in the session table. */
    private int currentId;
    private Channel listener;
    private UdpVisitors udpVisitors; // visitors' UDP flows (--udp, docs/udp.md); null: this connector carries TCP

    public Connector(Identity identity, JoinCode server, Output out, Target target) {
        this(identity, server, out, target, null);
    }

    /** @param shared the event loop group shared with other nodes, or null for one of its own */
    public Connector(Identity identity, JoinCode server, Output out, Target target, EventLoopGroup shared) {
        super(identity, server, out, shared);
        this.target = target;
    }

    /** Carries UDP instead of TCP: one UDP socket where {@link Target} says, each visitor address a flow. */
    public Connector udp(Duration idle) {
        this.udpVisitors = new UdpVisitors(loop, this::session, idle.toNanos(), out::note, this::writeStatus);
        this.udpStats = udpVisitors.stats();
        return this;
    }

    @Override
    ChannelHandler quicCodec() {
        return quicCodec(QuicSettings.UDP_PAYLOAD);
    }

    /**
     * A second socket for sessions that will stay on the relay: its codec uses large packets (see
     * {@link QuicSettings#RELAY_PAYLOAD}). It is bound to loopback and never sends: its mux hands every
     * packet to the relay.
     */
    private final PathMux relayMux = new PathMux(PathMux.Listener.DISCARD, VirtualNet.CONNECTOR_RELAY_ONLY);
    private Channel relayUdp;

    @Override
    public void start() throws Exception {
        relayUdp = new Bootstrap().group(loop).channel(Transport.datagramChannel())
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(relayMux, quicCodec(QuicSettings.RELAY_PAYLOAD));
                    }
                })
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
        super.start();
        traffic = loop.scheduleWithFixedDelay(this::reportTraffic, TRAFFIC_SECONDS, TRAFFIC_SECONDS, TimeUnit.SECONDS);
    }

    private ScheduledFuture<?> traffic;

    /**
     * How often a connector that waits for its name asks again: soon enough after the exposer comes up, and one Open
     * every 2 s is far below the rendezvous' per-identity rate (10 a second, docs/security.md).
     */
    static final long NAME_RETRY_SECONDS = 2;
    private boolean waitForName;
    private ScheduledFuture<?> nameRetry;
    private boolean waitNoted;

    /**
     * {@code true}: a name the rendezvous does not know yet is asked for again until it appears, rather than ending the
     * node ({@code peer up}, where both ends of a tunnel often start together: docs/operations.md).
     */
    public Connector waitForName(boolean wait) {
        this.waitForName = wait;
        return this;
    }

    /** How often sessions' byte counts go to the rendezvous' dashboard: fresh enough to watch, rare enough to cost nothing. */
    static final long TRAFFIC_SECONDS = 5;

    /** Once a session is direct, only the peers see its bytes: the connector tells the rendezvous (when they changed). */
    private void reportTraffic() {
        for (Session session : List.copyOf(sessions.values())) {
            QuicBytes.count(session.quic, (sent, received) -> {
                if (sent + received != session.reportedBytes && control != null) { // UDP frames count here too
                    session.reportedBytes = sent + received;
                    control.send(new ControlMessage.Traffic(session.id, sent, received));
                }
            });
        }
    }

    @Override
    void relayOnlyBatchComplete() {
        relayMux.deliverComplete();
    }

    private ChannelHandler quicCodec(int payload) {
        PinnedTrustManager.Check exposerKeys = (certificate, engine) -> {
            var virtual = QuicSettings.peerOf(engine);
            Session session = virtual == null ? null : byAddress.get(virtual);
            if (session == null) {
                return "no session is expecting this handshake";
            }
            String key = Identity.keyFingerprint(certificate);
            return Fingerprint.matches(session.peerKey, key) ? null
                    : "exposer key " + key + " is not the pinned " + session.peerKey;
        };
        return QuicSettings.client(identity, exposerKeys, payload);
    }

    @Override
    Probe.Role role() {
        return Probe.Role.CONNECTOR;
    }

    @Override
    void loggedIn(Welcome welcome) {
        if (current == null || current.isDone() && !current.isSuccess()) {
            session();
        }
    }

    /** The live session, or a new one being opened. Call on the event loop. */
    private Future<QuicChannel> session() {
        // A closing QUIC channel may still report itself active: the session table is the truth.
        if (current != null && (!current.isDone() || current.isSuccess() && sessions.containsKey(currentId))) {
            return current;
        }
        Promise<QuicChannel> promise = loop.newPromise();
        current = promise;
        int request = control.nextRequestId();
        if (!control.send(new Open(request, target.name()))) {
            promise.tryFailure(new IllegalStateException("not connected to the rendezvous"));
            return promise;
        }
        pendingOpens.put(request, promise);
        return promise;
    }

    @Override
    void onMessage(ControlMessage message) {
        if (message instanceof Opened opened) {
            Promise<QuicChannel> promise = pendingOpens.remove(opened.requestId());
            if (promise != null) {
                opened(opened, promise);
            }
        } else if (message instanceof Error error) {
            Promise<QuicChannel> promise = pendingOpens.remove(error.requestId());
            if (promise != null) {
                promise.tryFailure(new IllegalStateException(error.message()));
                // Not on the service's --allow-peer list: no retry will change that, at start or later.
                if (waitForName && listener == null && error.code() == ErrorCode.UNKNOWN_NAME) {
                    if (!waitNoted) {
                        waitNoted = true; // once: a name that stays away for hours should not fill the log
                        out.note(error.message() + "; asking again every " + NAME_RETRY_SECONDS + " s until it is");
                    }
                    nameRetry = loop.schedule(this::session, NAME_RETRY_SECONDS, TimeUnit.SECONDS);
                } else if (error.code() == ErrorCode.PEER_NOT_ALLOWED
                        || listener == null && (error.code() == ErrorCode.UNKNOWN_NAME || error.code() == ErrorCode.NAME_NOT_ALLOWED)) {
                    failed.complete(error.message());
                } else {
                    out.error(error.message());
                }
            }
        }
    }

    private void opened(Opened opened, Promise<QuicChannel> promise) {
        if (target.expectKey() != null && !Fingerprint.matches(target.expectKey(), opened.peerKey())) {
            String why = "the rendezvous says '" + opened.name() + "' has key " + opened.peerKey()
                    + ", not the expected " + Fingerprint.normalise(target.expectKey()) + "; refusing to connect";
            promise.tryFailure(new IllegalStateException(why));
            failed.complete(why);
            return;
        }
        String why = Datagrams.mismatch(opened.name(), opened.carries(), udpVisitors != null);
        if (why != null) {
            promise.tryFailure(new IllegalStateException(why));
            failed.complete(why);
            return;
        }
        if (promise == current) {
            currentId = opened.sessionId();
        }
        // What STUN found decides whether this session can ever go direct; it is usually known by now.
        if (opened.exposerRelayOnly()) {
            handshake(opened, promise);
        } else {
            reflexive.whenReady(() -> handshake(opened, promise));
        }
    }

    /** Why a session to this exposer will stay on the relay, or null if a direct path is worth trying. */
    private String relayOnly(Opened opened) {
        var local = reflexive.result();
        if (!directPaths) {
            return "--relay-only";
        }
        if (opened.exposerRelayOnly()) {
            return "the exposer runs --relay-only";
        }
        if (!stunAvailable) {
            return "the rendezvous runs no STUN, so no peer can learn its public address";
        }
        if (local.hard() && opened.exposerHard() && !hasIpv6()) {
            return "both NATs map each destination to a new port and neither side has IPv6: a direct path is out of reach";
        }
        return null;
    }

    private void handshake(Opened opened, Promise<QuicChannel> promise) {
        String relayOnly = relayOnly(opened);
        Session session = addSession(opened.sessionId(), opened.name(), opened.peerKey(), opened.secret(),
                relayOnly == null ? mux : relayMux);
        if (session == null) {
            promise.tryFailure(new IllegalStateException("no virtual address left for one more session"));
            return;
        }
        session.relayOnly = relayOnly;
        session.onExpiry = () -> {
            if (promise.tryFailure(new IllegalStateException("no QUIC handshake within " + handshakeMillis + " ms"))) {
                out.error("session to '" + opened.name() + "' failed: the exposer did not finish the QUIC handshake within "
                        + handshakeMillis + " ms");
            }
        };
        QuicChannelBootstrap bootstrap = QuicChannel.newBootstrap(relayOnly == null ? udp : relayUdp);
        if (relayOnly == null) {
            punch(session);
            QuicSettings.batched(bootstrap);
        }
        bootstrap
                .remoteAddress(session.virtual)
                .handler(Datagrams.pipeline(udpVisitors == null ? null : udpVisitors.reader()))
                .streamHandler(new ChannelInboundHandlerAdapter())
                .connect()
                .addListener(future -> {
                    if (!future.isSuccess()) {
                        endSession(session, "handshake failed", true);
                        if (promise.tryFailure(future.cause())) {
                            out.error("session to '" + opened.name() + "' failed: " + future.cause().getMessage());
                        }
                        return;
                    }
                    QuicChannel quic = (QuicChannel) future.getNow();
                    if (sessions.get(session.id) != session) {
                        quic.close(); // expired while the handshake was finishing
                        return;
                    }
                    session.quic = quic;
                    quic.closeFuture().addListener(f -> endSession(session, "session closed", true));
                    promise.trySuccess(quic);
                    // The punch may already have found a direct path: announce whichever carries the session now.
                    Runnable announce = () -> session.announce(out, session.mux.path(session.virtual), null);
                    if (listener == null) {
                        listen(opened, announce);
                    } else {
                        announce.run();
                    }
                });
    }

    private void listen(Opened opened, Runnable then) {
        ServerBootstrap bootstrap = Visitors.listener(loop, this::accept);
        IntFunction<ChannelFuture> bind = p -> udpVisitors != null ? udpVisitors.bind(target.listenHost(), p)
                : bootstrap.bind(target.listenHost(), p);
        String host = target.listenHost();
        Integer port = target.listenPort();
        boolean tryServicePort = port == null && opened.port() > 0;
        int first = port != null ? port : tryServicePort ? opened.port() : 0;
        bind.apply(first).addListener((ChannelFutureListener) bound -> {
            if (bound.isSuccess()) {
                ready(bound.channel(), opened);
                then.run();
            } else if (tryServicePort) {
                // The service's own port is taken here (often by the service itself): any free port will do.
                bind.apply(0).addListener((ChannelFutureListener) any -> {
                    if (any.isSuccess()) {
                        ready(any.channel(), opened);
                        then.run();
                    } else {
                        failed.complete("cannot listen on " + host + ": " + any.cause().getMessage());
                    }
                });
            } else {
                failed.complete("cannot listen on " + host + ":" + first + ": " + bound.cause().getMessage());
            }
        });
    }

    private void ready(Channel channel, Opened opened) {
        listener = channel;
        String listen = local();
        writeStatus();
        out.event("ready", "listening on " + (udpVisitors == null ? "" : "UDP ") + listen + " -> '" + opened.name() + "' (key "
                + opened.peerKey() + ")",
                "listen", listen, "name", opened.name(), "peer", opened.peerKey(), "udp", udpVisitors != null);
    }

    /**
     * Says when a session ends, as the exposer does: the visitors on it are cut, and the next one opens a new
     * session. Without it, a session that outlives the rendezvous could not be told from one that ended.
     */
    @Override
    void sessionEnded(Session session, String reason) {
        out.event("session-closed", "session to '" + session.name + "' closed: " + reason,
                "session", Integer.toUnsignedString(session.id, 16), "reason", reason);
    }

    private void accept(Channel visitor) {
        Visitors.carry(session(), visitor);
    }

    @Override
    void stopped() {
        if (listener != null) {
            listener.close();
        }
        if (relayUdp != null) {
            relayUdp.close();
        }
        if (udpVisitors != null) {
            udpVisitors.close(); // its socket is the listener; this stops its sweep
        }
        if (traffic != null) {
            traffic.cancel(false);
        }
        if (nameRetry != null) {
            nameRetry.cancel(false);
        }
    }

    /** Where this connector listens, once it does (HOST:PORT), for {@code peer status}. */
    @Override
    String local() {
        if (listener == null) {
            return null;
        }
        InetSocketAddress address = (InetSocketAddress) listener.localAddress();
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }
}
