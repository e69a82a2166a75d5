package dev.pinhole.rendezvous.control;

import dev.pinhole.rendezvous.Log;
import dev.pinhole.rendezvous.ingress.Publisher;
import dev.pinhole.rendezvous.registry.Hub;
import dev.pinhole.rendezvous.registry.SessionReports;
import dev.pinhole.rendezvous.relay.RelayBatch;
import dev.pinhole.protocol.ControlMessage;
import dev.pinhole.protocol.ControlMessage.Candidates;
import dev.pinhole.protocol.ControlMessage.Close;
import dev.pinhole.protocol.ControlMessage.Error;
import dev.pinhole.protocol.ControlMessage.Hello;
import dev.pinhole.protocol.ControlMessage.Incoming;
import dev.pinhole.protocol.ControlMessage.Open;
import dev.pinhole.protocol.ControlMessage.Opened;
import dev.pinhole.protocol.ControlMessage.Ping;
import dev.pinhole.protocol.ControlMessage.Pong;
import dev.pinhole.protocol.ControlMessage.Register;
import dev.pinhole.protocol.ControlMessage.Registered;
import dev.pinhole.protocol.ControlMessage.Relay;
import dev.pinhole.protocol.ControlMessage.Welcome;
import dev.pinhole.protocol.ErrorCode;
import dev.pinhole.protocol.ProtocolException;
import dev.pinhole.protocol.ServiceName;
import dev.pinhole.protocol.SessionSecret;
import dev.pinhole.rendezvous.registry.Hub.RelaySession;
import dev.pinhole.rendezvous.metrics.Metrics;
import dev.pinhole.rendezvous.state.State;
import dev.pinhole.rendezvous.state.StateStore;
import dev.pinhole.rendezvous.state.Tokens;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.timeout.IdleStateEvent;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One peer's control connection, as a small state machine: it waits for the TLS identity
 * ({@link PeerAuthenticated}) and a valid {@link Hello}, then serves requests and relays session
 * packets. Anything out of order gets an {@link Error} naming the problem, then the connection closes.
 */
public final class PeerConnectionHandler extends SimpleChannelInboundHandler<ControlMessage> {
    static final String SOFTWARE = "pinhole-rendezvous/0.1";

    private final Hub hub;
    private final StateStore store;
    private final Log log;
    private final Clock clock;
    private final long loginTimeoutMillis;
    private final Set<Integer> sessions = ConcurrentHashMap.newKeySet();
    /** Local ports of the services this connection exposes, passed on to connectors as a hint. */
    private final java.util.Map<String, Integer> ports = new ConcurrentHashMap<>();
    private final RelayBatch batch = new RelayBatch();
    private final Publisher publisher;
    private ChannelHandlerContext ctx;
    private String peerId;
    private String tokenId;
    private boolean loggedIn;
    /** What the peer last reported about its NAT (NatInfo); read by other connections' handlers. */
    private volatile boolean natHard;
    private volatile boolean natIpv6;
    private volatile String nat = "unknown";
    private volatile long loggedInAt;
    private ScheduledFuture<?> loginTimeout;

    public PeerConnectionHandler(Hub hub, StateStore store, Log log, Clock clock, long loginTimeoutMillis) {
        this(hub, store, log, clock, loginTimeoutMillis, null);
    }

    /** @param publisher public TCP ports, or null when this rendezvous has no ingress */
    public PeerConnectionHandler(Hub hub, StateStore store, Log log, Clock clock, long loginTimeoutMillis, Publisher publisher) {
        super(ControlMessage.class, false);
        this.publisher = publisher;
        this.loginTimeoutMillis = loginTimeoutMillis;
        this.hub = hub;
        this.store = store;
        this.log = log;
        this.clock = clock;
    }

    public String peerId() {
        return peerId;
    }

    /** "easy", "hard", "no-udp" or "unknown": what the peer's STUN found (NatInfo). */
    public String nat() {
        return nat;
    }

    public long loggedInAt() {
        return loggedInAt;
    }

    public String tokenId() {
        return tokenId;
    }

    public Set<Integer> sessions() {
        return sessions;
    }

    public void forgetSession(int id) {
        sessions.remove(id);
    }

    /** The services this connection exposes, with their local ports. */
    public java.util.Map<String, Integer> ports() {
        return ports;
    }

    public static String natPair(RelaySession session) {
        return session.connector().nat() + "-" + session.exposer().nat();
    }

    public Channel channel() {
        return ctx.channel();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (ctx.channel().isActive()) {
            startLoginTimer();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        startLoginTimer();
        ctx.fireChannelActive();
    }

    private void startLoginTimer() {
        if (loginTimeout != null) {
            return;
        }
        loginTimeout = ctx.executor().schedule(() -> {
            if (!loggedIn) {
                log.info("closing " + ctx.channel().remoteAddress() + ": no login within " + loginTimeoutMillis + " ms");
                if (peerId == null) {
                    ctx.close(); // TLS never finished: there is no secure channel to explain on.
                } else {
                    fail(0, ErrorCode.TIMEOUT, "no valid Hello within " + loginTimeoutMillis + " ms");
                }
            }
        }, loginTimeoutMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof PeerAuthenticated authenticated) {
            peerId = authenticated.keyFingerprint();
        } else if (evt instanceof IdleStateEvent) {
            log.info("closing " + describe() + ": silent for too long");
            ctx.close();
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ControlMessage msg) {
        if (msg instanceof Relay relay) {
            relay(relay);
            return;
        }
        if (!loggedIn) {
            if (msg instanceof Hello hello) {
                hello(hello);
            } else {
                fail(0, ErrorCode.NOT_LOGGED_IN, "expected Hello first, got " + msg.getClass().getSimpleName());
            }
            return;
        }
        if (msg instanceof Register register) {
            register(register);
        } else if (msg instanceof Open open) {
            open(open);
        } else if (msg instanceof Close close) {
            RelaySession session = hub.sessions.get(close.sessionId());
            boolean party = session != null && (session.other(this) != null || session.ingress() != null && session.exposer() == this);
            if (party && hub.sessions.remove(session.id(), session)) {
                endSession(session, close.reason());
            }
        } else if (msg instanceof Candidates candidates) {
            // Signalling for hole punching: passed on unchanged to the other peer of the session, if any.
            RelaySession session = hub.sessions.get(candidates.sessionId());
            PeerConnectionHandler other = session == null ? null : session.other(this);
            if (other != null && session.connector() == this) {
                Metrics.increment(hub.metrics.punchAttempts, natPair(session)); // the connector starts each round
            }
            if (other != null) {
                other.channel().writeAndFlush(candidates, other.channel().voidPromise());
            }
        } else if (msg instanceof ControlMessage.Publish publish) {
            if (publisher == null) {
                channel().writeAndFlush(new ControlMessage.Error(publish.requestId(), dev.pinhole.protocol.ErrorCode.PORT_UNAVAILABLE,
                        "public ingress is off on this rendezvous"));
            } else {
                publisher.answer(this, publish);
            }
        } else if (msg instanceof ControlMessage.NatInfo info) {
            natHard = info.hard();
            natIpv6 = info.ipv6();
            nat = !info.udp() ? "no-udp" : info.hard() ? "hard" : "easy";
        } else if (msg instanceof ControlMessage.PathReport || msg instanceof ControlMessage.Traffic) {
            SessionReports.accept(hub, this, (ControlMessage) msg);
        } else if (msg instanceof Ping ping) {
            ctx.writeAndFlush(new Pong(ping.nonce()));
        } else if (msg instanceof Pong) {
            // Heartbeat answered; the idle handler has already seen the read.
        } else {
            fail(0, ErrorCode.PROTOCOL, "unexpected " + msg.getClass().getSimpleName() + " from a peer");
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        batch.flush();
        ctx.fireChannelReadComplete();
    }

    private void hello(Hello hello) {
        if (peerId == null) {
            fail(0, ErrorCode.PROTOCOL, "Hello before the TLS handshake finished");
            return;
        }
        if (hello.version() != ControlMessage.VERSION) {
            fail(0, ErrorCode.UNSUPPORTED_VERSION, "protocol version " + hello.version()
                    + " is not supported (expected: " + ControlMessage.VERSION + "); use a matching pinhole release");
            return;
        }
        Optional<State.TokenRecord> token;
        try {
            token = Tokens.verify(store.read(), hello.token());
        } catch (IOException e) {
            log.info("cannot read state: " + e.getMessage());
            fail(0, ErrorCode.OTHER, "the rendezvous cannot read its state; try again later");
            return;
        }
        if (token.isEmpty()) {
            hub.metrics.authFailures.increment();
            log.info("refused " + ctx.channel().remoteAddress() + ": " + Tokens.describe(hello.token()) + " is unknown or revoked");
            fail(0, ErrorCode.BAD_TOKEN, "the rendezvous refused " + Tokens.describe(hello.token())
                    + ": unknown or revoked; ask the operator for a join code (bin/rendezvous token create)");
            return;
        }
        loggedIn = true;
        loggedInAt = clock.millis();
        hub.peers.add(this);
        tokenId = token.get().id();
        if (loginTimeout != null) {
            loginTimeout.cancel(false);
        }
        log.info("peer " + peerId + " logged in from " + ctx.channel().remoteAddress() + " with token " + tokenId);
        ctx.writeAndFlush(new Welcome(ControlMessage.VERSION, peerId, SOFTWARE, hub.stunPort, hub.stunAltPort));
    }

    private void register(Register register) {
        Optional<String> problem = ServiceName.problem(register.name());
        if (problem.isPresent()) {
            ctx.writeAndFlush(new Error(register.requestId(), ErrorCode.BAD_NAME, problem.get()));
            return;
        }
        String name = ServiceName.canonical(register.name());
        try {
            State state = store.read();
            if (!state.names().containsKey(name)) {
                // Claimed under the store's lock: of two identities racing for a new name, one wins.
                state = store.update(s -> s.names().containsKey(name) ? s
                        : s.withName(new State.NameRecord(name, peerId, clock.instant().getEpochSecond())));
            }
            State.NameRecord owner = state.names().get(name);
            if (!owner.owner().equals(peerId)) {
                ctx.writeAndFlush(new Error(register.requestId(), ErrorCode.NAME_TAKEN, "name '" + name
                        + "' belongs to another identity (" + owner.owner() + "); pick another name"));
                return;
            }
        } catch (IOException e) {
            log.info("cannot save state: " + e.getMessage());
            ctx.writeAndFlush(new Error(register.requestId(), ErrorCode.OTHER, "the rendezvous cannot save its state"));
            return;
        }
        ports.put(name, register.port());
        PeerConnectionHandler previous = hub.services.put(name, this);
        if (previous != null && previous != this) {
            log.info("service '" + name + "' moved to a newer connection of " + peerId);
        }
        log.info("service '" + name + "' online, exposed by " + peerId);
        ctx.writeAndFlush(new Registered(register.requestId(), name));
    }

    private void open(Open open) {
        String name = open.name().toLowerCase(java.util.Locale.ROOT);
        PeerConnectionHandler exposer = hub.services.get(name);
        if (exposer == null || !exposer.channel().isActive()) {
            String why;
            try {
                why = store.read().names().containsKey(name)
                        ? "service '" + name + "' is known but its peer is offline"
                        : "no service named '" + name + "' on this rendezvous";
            } catch (IOException e) {
                why = "no service named '" + name + "' is online";
            }
            ctx.writeAndFlush(new Error(open.requestId(), ErrorCode.UNKNOWN_NAME, why));
            return;
        }
        RelaySession session = hub.openSession(name, this, exposer);
        sessions.add(session.id());
        exposer.sessions.add(session.id());
        log.info("session " + Integer.toUnsignedString(session.id(), 16) + ": " + peerId + " -> '" + name + "'");
        SessionSecret secret = SessionSecret.random();
        exposer.channel().writeAndFlush(new Incoming(session.id(), name, peerId, secret));
        ctx.writeAndFlush(new Opened(open.requestId(), session.id(), name, exposer.peerId(),
                exposer.ports.getOrDefault(name, 0), secret,
                // "Hard" tells the connector that IPv4 punching cannot reach this exposer; with IPv6 it still can.
                exposer.natHard && !exposer.natIpv6));
    }

    private void relay(Relay relay) {
        RelaySession session = loggedIn ? hub.sessions.get(relay.sessionId()) : null;
        if (session != null && session.ingress() != null && session.exposer() == this) {
            counted(session, relay);
            batch.add(session.ingress(), relay);
            return;
        }
        PeerConnectionHandler other = session == null ? null : session.other(this);
        if (other == null) {
            relay.release();
            if (loggedIn) {
                ctx.writeAndFlush(new Close(relay.sessionId(), "no such session on the rendezvous"));
            }
            return;
        }
        Channel target = other.channel();
        // A slow receiver loses packets instead of growing our memory; QUIC retransmits and slows down.
        if (!target.isWritable()) {
            hub.metrics.droppedPackets.increment();
            relay.release();
            return;
        }
        counted(session, relay);
        batch.add(target, relay);
    }

    /** Relayed bytes, per session (dashboard) and in all (metrics). */
    private void counted(RelaySession session, Relay relay) {
        int bytes = relay.payload().readableBytes();
        session.relayedBytes().add(bytes);
        hub.metrics.relayedBytes.add(bytes);
    }

    /** @param reason what the other peer is told, or null to leave it be */
    private void endSession(RelaySession session, String reason) {
        if (session.ingress() != null) {
            session.ingress().ended(session.id());
        } else {
            session.connector().sessions.remove(session.id());
        }
        session.exposer().sessions.remove(session.id());
        PeerConnectionHandler other = session.other(this);
        if (other != null && other.channel().isActive() && reason != null) {
            other.channel().writeAndFlush(new Close(session.id(), reason));
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        batch.release();
        if (publisher != null) {
            publisher.unpublish(this);
        }
        if (loginTimeout != null) {
            loginTimeout.cancel(false);
        }
        hub.services.entrySet().removeIf(e -> {
            if (e.getValue() == this) {
                log.info("service '" + e.getKey() + "' offline");
                return true;
            }
            return false;
        });
        for (Integer id : List.copyOf(sessions)) {
            // A direct session does not need the rendezvous: the other peer keeps it (it ends it if its path dies).
            hub.removeSession(id).ifPresent(s -> endSession(s, s.direct().get() ? null : "the other peer disconnected"));
        }
        if (loggedIn) {
            hub.peers.remove(this);
            log.info("peer " + peerId + " disconnected");
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = cause.getCause() instanceof ProtocolException ? cause.getCause() : cause;
        if (root instanceof ProtocolException) {
            log.info("protocol error from " + describe() + ": " + root.getMessage());
            fail(0, ErrorCode.PROTOCOL, root.getMessage());
        } else {
            log.info("closing " + describe() + ": " + root);
            ctx.close();
        }
    }

    private void fail(int requestId, ErrorCode code, String message) {
        if (ctx.channel().isActive()) {
            ctx.writeAndFlush(new Error(requestId, code, message)).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private String describe() {
        return (peerId == null ? "" : peerId + " at ") + ctx.channel().remoteAddress();
    }
}
