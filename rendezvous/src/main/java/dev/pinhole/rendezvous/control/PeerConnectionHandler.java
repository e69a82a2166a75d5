package dev.pinhole.rendezvous.control;

import dev.pinhole.protocol.ControlMessage;
import dev.pinhole.protocol.ControlMessage.Candidates;
import dev.pinhole.protocol.ControlMessage.Close;
import dev.pinhole.protocol.ControlMessage.Error;
import dev.pinhole.protocol.ControlMessage.Hello;
import dev.pinhole.protocol.ControlMessage.ListNames;
import dev.pinhole.protocol.ControlMessage.NatInfo;
import dev.pinhole.protocol.ControlMessage.Open;
import dev.pinhole.protocol.ControlMessage.PathReport;
import dev.pinhole.protocol.ControlMessage.Ping;
import dev.pinhole.protocol.ControlMessage.Pong;
import dev.pinhole.protocol.ControlMessage.Publish;
import dev.pinhole.protocol.ControlMessage.Register;
import dev.pinhole.protocol.ControlMessage.Relay;
import dev.pinhole.protocol.ControlMessage.ReleaseName;
import dev.pinhole.protocol.ControlMessage.Traffic;
import dev.pinhole.protocol.ControlMessage.Welcome;
import dev.pinhole.protocol.ErrorCode;
import dev.pinhole.protocol.PinholeVersion;
import dev.pinhole.protocol.ProtocolException;
import dev.pinhole.rendezvous.Log;
import dev.pinhole.rendezvous.RateLimitedLog;
import dev.pinhole.rendezvous.ingress.Publisher;
import dev.pinhole.rendezvous.registry.Peer;
import dev.pinhole.rendezvous.registry.Registry;
import dev.pinhole.rendezvous.registry.SessionReports;
import dev.pinhole.rendezvous.relay.Relayer;
import dev.pinhole.rendezvous.state.State;
import dev.pinhole.rendezvous.state.Tokens;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * One peer's control connection: a login gate (the TLS identity, {@link PeerAuthenticated}, then a valid
 * {@link Hello}), then a table from message type to the part of the rendezvous that serves it. The state
 * lives in the {@link Registry}, relayed packets go through a {@link Relayer}. Anything out of order
 * gets an {@link Error} naming the problem, then the connection closes. A peer that asks and does not read the
 * answers is paused: once its send buffer is above the high-water mark, nothing more is read from it until it
 * drains (docs/security.md, "Limits: connections, control plane, quotas").
 */
public final class PeerConnectionHandler extends SimpleChannelInboundHandler<ControlMessage> {
    /** The release in Hello/Welcome, the same one --version prints. */
    static final String SOFTWARE = "pinhole-rendezvous/" + PinholeVersion.version();

    private final Registry registry;
    private final Log log;
    /** For what strangers can cause: refused tokens. */
    private final RateLimitedLog strangers;
    private final long loginTimeoutMillis;
    private final Relayer relayer;
    private final Publisher publisher;
    private final Map<Class<? extends ControlMessage>, BiConsumer<Peer, ControlMessage>> routes = new HashMap<>();
    private ChannelHandlerContext ctx;
    /** The key the TLS handshake proved, or null before it finished. */
    private String peerId;
    /** Null until the peer logged in. */
    private Peer peer;
    private ScheduledFuture<?> loginTimeout;
    /** A Hello's unknown token is looked up again in the file once per connection, not once per Hello. */
    private boolean rereading;
    /** Answers written in this read batch and not flushed yet. */
    private boolean unflushed;

    public PeerConnectionHandler(Registry registry, Log log, long loginTimeoutMillis) {
        this(registry, log, loginTimeoutMillis, null);
    }

    /** @param publisher public ingress, or null when this rendezvous has none */
    public PeerConnectionHandler(Registry registry, Log log, long loginTimeoutMillis, Publisher publisher) {
        this(registry, log, new RateLimitedLog(log, System::nanoTime), loginTimeoutMillis, publisher);
    }

    /** @param strangers the log lines unauthenticated clients cause go here, shared by every connection */
    public PeerConnectionHandler(Registry registry, Log log, RateLimitedLog strangers, long loginTimeoutMillis,
                                 Publisher publisher) {
        super(ControlMessage.class, false);
        this.registry = registry;
        this.log = log;
        this.strangers = strangers;
        this.loginTimeoutMillis = loginTimeoutMillis;
        this.relayer = new Relayer(registry);
        this.publisher = publisher;
        SessionReports reports = new SessionReports(registry);
        route(Register.class, (from, register) -> replyLater(registry.register(from, register)));
        route(Open.class, (from, open) -> reply(registry.openSession(from, open)));
        route(Close.class, (from, close) -> registry.end(from, close.sessionId(), close.reason()));
        route(Candidates.class, reports::candidates);
        route(PathReport.class, reports::path);
        route(Traffic.class, reports::traffic);
        route(Publish.class, this::publish);
        route(ListNames.class, (from, list) -> reply(registry.listNames(from, list)));
        route(ReleaseName.class, (from, release) -> replyLater(registry.releaseName(from, release)));
        route(NatInfo.class, registry::reportNat);
        route(Ping.class, (from, ping) -> reply(new Pong(ping.nonce())));
        route(Pong.class, (from, pong) -> {}); // heartbeat answered; the idle handler has already seen the read
    }

    private <M extends ControlMessage> void route(Class<M> type, BiConsumer<Peer, M> action) {
        routes.put(type, (from, message) -> action.accept(from, type.cast(message)));
    }

    /**
     * An answer to this peer's request, flushed when the read batch ends (one TLS record for many answers); if the
     * peer is not reading its answers, stop reading its requests.
     */
    private void reply(ControlMessage answer) {
        ctx.write(answer, ctx.voidPromise());
        unflushed = true;
        if (!ctx.channel().isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    /** An answer that may come after the read batch (a new name is written off the event loop): flushed then. */
    private void replyLater(CompletableFuture<ControlMessage> answer) {
        if (answer.isDone()) {
            reply(answer.join());
        } else {
            answer.thenAccept(message -> ctx.writeAndFlush(message, ctx.voidPromise()));
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && !ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
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
            if (peer == null) {
                strangers.info("no-login", "closing " + ctx.channel().remoteAddress() + ": no login within " + loginTimeoutMillis + " ms");
                if (peerId == null) {
                    ctx.close(); // TLS never finished: there is no secure channel to explain on.
                } else {
                    fail(ErrorCode.TIMEOUT, "no valid Hello within " + loginTimeoutMillis + " ms");
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
        if (peer != null && peer.isCut()) {
            ReferenceCountUtil.release(msg); // its token was revoked: nothing more is served while the connection closes
        } else if (msg instanceof Relay relay) {
            relayer.relay(peer, relay); // the hot path, first
        } else if (peer == null) {
            if (msg instanceof Hello hello) {
                hello(hello);
            } else {
                fail(ErrorCode.NOT_LOGGED_IN, "expected Hello first, got " + msg.getClass().getSimpleName());
            }
        } else {
            BiConsumer<Peer, ControlMessage> route = routes.get(msg.getClass());
            if (route == null) {
                fail(ErrorCode.PROTOCOL, "unexpected " + msg.getClass().getSimpleName() + " from a peer");
            } else {
                route.accept(peer, msg);
            }
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        relayer.readComplete();
        flushReplies();
        ctx.fireChannelReadComplete();
    }

    /** At the end of a read batch, or after work finished outside one (a token read again from the file). */
    private void flushReplies() {
        if (unflushed) {
            unflushed = false;
            ctx.flush();
        }
    }

    private void hello(Hello hello) {
        if (peerId == null) {
            fail(ErrorCode.PROTOCOL, "Hello before the TLS handshake finished");
            return;
        }
        if (hello.version() != ControlMessage.VERSION) {
            fail(ErrorCode.UNSUPPORTED_VERSION, "protocol version " + hello.version()
                    + " is not supported (expected: " + ControlMessage.VERSION + "); use a matching pinhole release");
            return;
        }
        Optional<State.TokenRecord> token;
        try {
            token = registry.token(hello.token());
        } catch (IOException e) {
            log.error("cannot read state: " + e.getMessage());
            fail(ErrorCode.OTHER, "the rendezvous cannot read its state; try again later");
            return;
        }
        if (token.isEmpty() && !rereading) {
            // Perhaps created a moment ago by `token create` in another process: the file is read again, off the loop.
            rereading = true;
            registry.freshToken(hello.token()).whenComplete((fresh, error) -> ctx.executor().execute(() -> {
                if (peer == null && ctx.channel().isActive()) {
                    admit(hello, fresh == null ? Optional.empty() : fresh);
                    flushReplies();
                }
            }));
            return;
        }
        admit(hello, token);
    }

    private void admit(Hello hello, Optional<State.TokenRecord> token) {
        if (token.isEmpty() || !token.get().active()) {
            registry.metrics.authFailures.increment();
            strangers.info("refused-token", "refused " + ctx.channel().remoteAddress() + ": " + Tokens.describe(hello.token())
                    + " is unknown or revoked");
            fail(ErrorCode.BAD_TOKEN, "the rendezvous refused " + Tokens.describe(hello.token()) + (token.isPresent()
                    ? ": it was revoked by the operator; ask for a new join code"
                    : ": unknown or revoked; ask the operator for a join code (bin/rendezvous token create)"));
            return;
        }
        peer = registry.login(peerId, token.get().id(), ctx.channel());
        if (loginTimeout != null) {
            loginTimeout.cancel(false);
        }
        log.info("peer " + peerId + " logged in from " + ctx.channel().remoteAddress() + " with token " + peer.tokenId());
        reply(new Welcome(ControlMessage.VERSION, peerId, SOFTWARE, registry.stunPort(), registry.stunAltPort()));
    }

    private void publish(Peer from, Publish publish) {
        if (publisher == null) {
            reply(new Error(publish.requestId(), ErrorCode.PORT_UNAVAILABLE, "public ingress is off on this rendezvous"));
        } else {
            publisher.answer(from, publish);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        relayer.closed();
        if (loginTimeout != null) {
            loginTimeout.cancel(false);
        }
        if (peer != null) {
            if (publisher != null) {
                publisher.unpublish(peer);
            }
            registry.drop(peer);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = cause.getCause() instanceof ProtocolException ? cause.getCause() : cause;
        if (root instanceof ProtocolException) {
            log.warn("protocol error from " + describe() + ": " + root.getMessage());
            fail(ErrorCode.PROTOCOL, root.getMessage());
        } else {
            log.info("closing " + describe() + ": " + root);
            ctx.close();
        }
    }

    /** An error about the connection (request id 0), then close. */
    private void fail(ErrorCode code, String message) {
        if (ctx.channel().isActive()) {
            ctx.writeAndFlush(new Error(0, code, message)).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private String describe() {
        return (peerId == null ? "" : peerId + " at ") + ctx.channel().remoteAddress();
    }
}
