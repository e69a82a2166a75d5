package dev.pinhole.bench;

import dev.pinhole.protocol.ControlMessage;
import dev.pinhole.protocol.ControlMessage.Hello;
import dev.pinhole.protocol.ControlMessage.Ping;
import dev.pinhole.protocol.ControlMessage.Pong;
import dev.pinhole.protocol.ControlMessage.Welcome;
import dev.pinhole.protocol.FrameDecoder;
import dev.pinhole.protocol.FrameEncoder;
import dev.pinhole.protocol.JoinCode;
import dev.pinhole.protocol.net.Transport;
import dev.pinhole.protocol.tls.Identity;
import dev.pinhole.protocol.tls.PinnedTrustManager;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Logs COUNT idle peers in to a rendezvous over real TLS, each with its own key, spread over ADDRESSES source
 * addresses 127.0.0.2, 127.0.0.3, ... (the rendezvous caps connections per source address), answers its pings and
 * pings it every 10 s like a real peer, and holds them for SECONDS; then exits. Prints one JSON line when all are
 * logged in (or the login deadline passed): what bench/footprint.sh waits for (docs/benchmarks.md, "Footprint").
 *
 * <pre>java -cp bench/target/classes:... dev.pinhole.bench.IdlePeers JOIN_CODE COUNT ADDRESSES SECONDS</pre>
 */
public final class IdlePeers {
    /** Above what any bench asks for: the load stays bounded even with a typo. */
    private static final int MAX_PEERS = 10_000;
    /** How long the logins may take in all before the run counts what it has and goes on. */
    private static final long LOGIN_DEADLINE_SECONDS = 60;
    /** Logins in flight at once: enough to keep the rendezvous busy, few enough not to trip its TLS deadline. */
    private static final int IN_FLIGHT = 32;
    /** The peer's own heartbeat period (ControlClient.PING_SECONDS). */
    private static final long PING_SECONDS = 10;

    private IdlePeers() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: IdlePeers JOIN_CODE COUNT ADDRESSES SECONDS");
            System.exit(2);
        }
        JoinCode server = JoinCode.parse(args[0]);
        int count = Math.min(Integer.parseInt(args[1]), MAX_PEERS);
        int addresses = Math.max(1, Math.min(Integer.parseInt(args[2]), 250));
        long holdSeconds = Math.min(Long.parseLong(args[3]), 600);

        // One key for every peer would be refused as the same identity logging in twice: each gets its own. One TLS
        // context serves them all (building one per key costs ~30-80 ms each); its key manager picks each engine's key.
        PeerKeys keys = new PeerKeys();
        for (int i = 0; i < count; i++) {
            keys.add(Identity.generate("bench-peer-" + i));
        }
        SSLContext tls = SSLContext.getInstance("TLSv1.3");
        tls.init(new KeyManager[] {keys},
                new TrustManager[] {PinnedTrustManager.certificate(server.fingerprint(), "the rendezvous' certificate")}, null);

        EventLoopGroup group = Transport.newGroup(1, "idle-peers");
        CountDownLatch done = new CountDownLatch(count);
        AtomicInteger loggedIn = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        Semaphore inFlight = new Semaphore(IN_FLIGHT);
        List<Channel> channels = new ArrayList<>();
        long start = System.nanoTime();
        try {
            for (int i = 0; i < count; i++) {
                int number = i;
                InetSocketAddress source = new InetSocketAddress("127.0.0." + (2 + i % addresses), 0);
                if (!inFlight.tryAcquire(LOGIN_DEADLINE_SECONDS, TimeUnit.SECONDS)) {
                    break;
                }
                Bootstrap bootstrap = new Bootstrap().group(group).channel(Transport.socketChannel())
                        .handler(new ChannelInitializer<Channel>() {
                            @Override
                            protected void initChannel(Channel ch) {
                                SSLEngine engine = tls.createSSLEngine(server.host(), server.port());
                                engine.setUseClientMode(true);
                                keys.assign(engine, number);
                                ch.pipeline().addLast(new SslHandler(engine),
                                        new IdleStateHandler(0, 0, PING_SECONDS, TimeUnit.SECONDS),
                                        new FrameDecoder(), FrameEncoder.INSTANCE,
                                        new IdlePeer(server, () -> {
                                            loggedIn.incrementAndGet();
                                            inFlight.release();
                                            done.countDown();
                                        }, reason -> {
                                            if (failed.incrementAndGet() == 1) {
                                                System.err.println("first failed login: " + reason);
                                            }
                                            inFlight.release();
                                            done.countDown();
                                        }));
                            }
                        });
                ChannelFuture connected = bootstrap.connect(new InetSocketAddress(server.host(), server.port()), source);
                connected.addListener(f -> {
                    if (!f.isSuccess()) {
                        IdlePeer peer = connected.channel().pipeline().get(IdlePeer.class);
                        if (peer != null) {
                            peer.reason = "connect: " + f.cause();
                            peer.fail();
                        } else {
                            failed.incrementAndGet();
                            inFlight.release();
                            done.countDown();
                        }
                    }
                });
                channels.add(connected.channel());
            }
            done.await(LOGIN_DEADLINE_SECONDS, TimeUnit.SECONDS);
            double ms = (System.nanoTime() - start) / 1e6;
            System.out.printf("{\"logged_in\":%d,\"failed\":%d,\"login_ms\":%.0f,\"addresses\":%d}%n",
                    loggedIn.get(), failed.get(), ms, addresses);
            System.out.flush();
            Thread.sleep(TimeUnit.SECONDS.toMillis(holdSeconds));
        } finally {
            channels.forEach(Channel::close);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** One idle peer: Hello after TLS, then only heartbeats. Counts itself once: logged in or failed. */
    private static final class IdlePeer extends SimpleChannelInboundHandler<ControlMessage> {
        private final JoinCode server;
        private final Runnable onLogin;
        private final Consumer<String> onFailure;
        private boolean counted;
        private String reason = "connection closed";

        IdlePeer(JoinCode server, Runnable onLogin, Consumer<String> onFailure) {
            super(ControlMessage.class, false);
            this.server = server;
            this.onLogin = onLogin;
            this.onFailure = onFailure;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent handshake) {
                if (handshake.isSuccess()) {
                    ctx.writeAndFlush(new Hello(ControlMessage.VERSION, server.token(), "pinhole-bench/idle"));
                } else {
                    reason = "TLS: " + handshake.cause();
                    ctx.close();
                }
            } else if (evt instanceof IdleStateEvent) {
                ctx.writeAndFlush(new Ping(System.nanoTime()));
            }
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ControlMessage msg) {
            if (msg instanceof ControlMessage.Error error) {
                reason = error.message();
            }
            if (msg instanceof Welcome && !counted) {
                counted = true;
                onLogin.run();
            } else if (msg instanceof Ping ping) {
                ctx.writeAndFlush(new Pong(ping.nonce()));
            }
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            reason = cause.toString();
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            fail();
        }

        void fail() {
            if (!counted) {
                counted = true;
                onFailure.accept(reason);
            }
        }
    }

    /** The peers' keys, each engine's chosen by the alias of its peer's number. */
    private static final class PeerKeys extends X509ExtendedKeyManager {
        private final List<Identity> identities = new ArrayList<>();
        private final Map<SSLEngine, String> aliases = new ConcurrentHashMap<>();

        void add(Identity identity) {
            identities.add(identity);
        }

        void assign(SSLEngine engine, int peer) {
            aliases.put(engine, Integer.toString(peer));
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return aliases.remove(engine);
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return new X509Certificate[] {identities.get(Integer.parseInt(alias)).certificate()};
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return identities.get(Integer.parseInt(alias)).privateKey();
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }
    }
}
