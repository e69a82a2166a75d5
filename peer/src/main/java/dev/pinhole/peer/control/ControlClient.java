package dev.pinhole.peer.control;

import dev.pinhole.protocol.ControlMessage;
import dev.pinhole.protocol.ControlMessage.Error;
import dev.pinhole.protocol.ControlMessage.Hello;
import dev.pinhole.protocol.ControlMessage.Ping;
import dev.pinhole.protocol.ControlMessage.Pong;
import dev.pinhole.protocol.ControlMessage.Welcome;
import dev.pinhole.protocol.ErrorCode;
import dev.pinhole.protocol.FrameDecoder;
import dev.pinhole.protocol.FrameEncoder;
import dev.pinhole.protocol.JoinCode;
import dev.pinhole.protocol.PinholeVersion;
import dev.pinhole.protocol.net.Transport;
import dev.pinhole.protocol.tls.Identity;
import dev.pinhole.protocol.tls.PinnedTrustManager;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.security.cert.CertificateException;
import java.util.EnumSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * A peer's control connection to the rendezvous: TLS with the server pinned by the join code's
 * fingerprint and this peer's key as client certificate, a Hello with the token, heartbeats, and
 * reconnection with {@link Backoff} for as long as the failure may be temporary. Runs on one event
 * loop, which its owner shares, so listener callbacks need no locking.
 */
public final class ControlClient {
    /** Heartbeat period; the rendezvous drops peers silent for 35 s. */
    static final long PING_SECONDS = 10;
    /** Nothing heard for this long (three pings unanswered) means the path to the rendezvous is dead. */
    static final long DEAD_SECONDS = 30;
    /** The release in Hello/Welcome, the same one --version prints. */
    static final String SOFTWARE = "pinhole-peer/" + PinholeVersion.version();
    private static final EnumSet<ErrorCode> FATAL =
            EnumSet.of(ErrorCode.BAD_TOKEN, ErrorCode.UNSUPPORTED_VERSION, ErrorCode.NOT_LOGGED_IN, ErrorCode.TOKEN_REVOKED);

    public interface Listener {
        /** Logged in; called again after every reconnect. */
        void ready(Welcome welcome);

        /** Any message after login except heartbeats. */
        void message(ControlMessage message);

        /** The connection is gone; a reconnect is scheduled after {@code retryMillis}. */
        void down(String reason, long retryMillis);

        /** The end of one batch of reads: a good moment to let QUIC process what was delivered. */
        default void batchComplete() {}

        /** A failure that retrying cannot fix (wrong token, pin mismatch, version); the client stopped. */
        void fatal(String reason);
    }

    private final JoinCode server;
    private final EventLoop loop;
    private final Listener listener;
    private final SslContext ssl;
    private final Backoff backoff = new Backoff(bound -> ThreadLocalRandom.current().nextLong(bound));
    private Channel channel;
    private boolean loggedIn;
    private boolean stopped;
    private int nextRequestId = 1;
    private volatile String serverKey;

    public ControlClient(JoinCode server, Identity identity, EventLoop loop, Listener listener) throws SSLException {
        this.server = server;
        this.loop = loop;
        this.listener = listener;
        this.ssl = SslContextBuilder.forClient()
                .keyManager(identity.privateKey(), identity.certificate())
                .trustManager(new PinnedTrustManager(rendezvousCertificate(server)))
                .protocols("TLSv1.3")
                .sslProvider(Transport.sslProvider())
                .build();
    }

    /** The join code's pin; the key of the certificate that passes it is remembered ({@link #serverKey()}). */
    private PinnedTrustManager.Check rendezvousCertificate(JoinCode server) {
        PinnedTrustManager.Check pin = PinnedTrustManager.byFingerprint(Identity::certificateFingerprint,
                (certificate, engine) -> server.fingerprint(), "the rendezvous' certificate");
        return (certificate, engine) -> {
            String refusal = pin.refusal(certificate, engine);
            if (refusal == null) {
                serverKey = Identity.keyFingerprint(certificate);
            }
            return refusal;
        };
    }

    /**
     * The fingerprint of the rendezvous' key, once its pinned certificate was seen (null before): the key public
     * ingress connects to an exposer with.
     */
    public String serverKey() {
        return serverKey;
    }

    public void start() {
        loop.execute(this::connect);
    }

    public void stop() {
        loop.execute(() -> {
            stopped = true;
            if (channel != null) {
                channel.close();
            }
        });
    }

    public JoinCode server() {
        return server;
    }

    /** The logged-in channel, or null between connections. Call on the event loop. */
    public Channel channel() {
        return loggedIn ? channel : null;
    }

    public int nextRequestId() {
        return nextRequestId++;
    }

    /** Sends if logged in; returns false (message dropped) otherwise. */
    public boolean send(ControlMessage message) {
        Channel current = channel();
        if (current == null) {
            ReferenceCountUtil.release(message);
            return false;
        }
        current.writeAndFlush(message, current.voidPromise());
        return true;
    }

    private void connect() {
        if (stopped) {
            return;
        }
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(Transport.socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(2 * 1024 * 1024, 4 * 1024 * 1024))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        SslHandler tls = ssl.newHandler(ch.alloc(), server.host(), server.port());
                        tls.setHandshakeTimeoutMillis(10_000);
                        ch.pipeline().addLast(tls,
                                new IdleStateHandler(DEAD_SECONDS, 0, PING_SECONDS, TimeUnit.SECONDS),
                                new FrameDecoder(), FrameEncoder.INSTANCE, new Handler(),
                                // QUIC flushes after every few packets; one TLS write per event-loop turn is enough.
                                new FlushConsolidationHandler(64, true));
                    }
                });
        bootstrap.connect(server.host(), server.port()).addListener(future -> {
            if (!future.isSuccess()) {
                scheduleReconnect("cannot reach the rendezvous at " + server.address() + ": " + rootMessage(future.cause()));
            }
        });
    }

    private void scheduleReconnect(String reason) {
        channel = null;
        loggedIn = false;
        if (stopped) {
            return;
        }
        long delay = backoff.nextDelayMillis();
        listener.down(reason, delay);
        loop.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
    }

    private void giveUp(String reason) {
        if (!stopped) {
            stopped = true;
            listener.fatal(reason);
        }
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    private final class Handler extends SimpleChannelInboundHandler<ControlMessage> {
        private String closeReason = "connection closed by the rendezvous";

        Handler() {
            super(ControlMessage.class, false);
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            if (stopped) {
                // Stopped while connecting (a tunnel removed by a reload): this connection must not log in.
                ctx.close();
                return;
            }
            channel = ctx.channel();
            ctx.fireChannelActive();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent done) {
                if (done.isSuccess()) {
                    ctx.writeAndFlush(new Hello(ControlMessage.VERSION, server.token(), SOFTWARE));
                } else if (hasCause(done.cause(), CertificateException.class)) {
                    giveUp("refusing the rendezvous at " + server.address() + ": " + rootMessage(done.cause())
                            + " (the join code does not belong to this server, or someone is in between)");
                    ctx.close();
                } else {
                    closeReason = "TLS handshake with " + server.address() + " failed: " + rootMessage(done.cause());
                    ctx.close();
                }
            } else if (evt instanceof IdleStateEvent idle) {
                if (idle.state() == IdleState.READER_IDLE) {
                    closeReason = "the rendezvous went silent for " + DEAD_SECONDS + " s";
                    ctx.close();
                } else {
                    ctx.writeAndFlush(new Ping(System.nanoTime()));
                }
            }
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ControlMessage msg) {
            if (msg instanceof Welcome welcome) {
                loggedIn = true;
                backoff.reset();
                listener.ready(welcome);
            } else if (msg instanceof Error error && error.requestId() == 0) {
                if (FATAL.contains(error.code())) {
                    giveUp(error.message());
                } else {
                    closeReason = "the rendezvous closed the connection: " + error.message();
                }
                ctx.close();
            } else if (msg instanceof Ping ping) {
                ctx.writeAndFlush(new Pong(ping.nonce()));
            } else if (msg instanceof Pong) {
                // The read itself reset the idle timer.
            } else if (loggedIn) {
                listener.message(msg);
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            listener.batchComplete();
            ctx.fireChannelReadComplete();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            closeReason = "control connection failed: " + rootMessage(cause);
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            scheduleReconnect(closeReason);
            ctx.fireChannelInactive();
        }
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }
}
