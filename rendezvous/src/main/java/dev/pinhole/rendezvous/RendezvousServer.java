package dev.pinhole.rendezvous;

import dev.pinhole.protocol.FrameDecoder;
import dev.pinhole.protocol.FrameEncoder;
import dev.pinhole.protocol.JoinCode;
import dev.pinhole.protocol.net.Transport;
import dev.pinhole.protocol.tls.Identity;
import dev.pinhole.protocol.tls.PinnedTrustManager;
import dev.pinhole.rendezvous.control.PeerConnectionHandler;
import dev.pinhole.rendezvous.control.TlsIdentityHandler;
import dev.pinhole.rendezvous.dashboard.AdminSecret;
import dev.pinhole.rendezvous.dashboard.DashboardServer;
import dev.pinhole.rendezvous.dashboard.DashboardState;
import dev.pinhole.rendezvous.ingress.Ingress;
import dev.pinhole.rendezvous.ingress.Publisher;
import dev.pinhole.rendezvous.ingress.TcpIngress;
import dev.pinhole.rendezvous.ingress.WebIngress;
import dev.pinhole.rendezvous.registry.Registry;
import dev.pinhole.rendezvous.relay.Relayer;
import dev.pinhole.rendezvous.state.FileStateStore;
import dev.pinhole.rendezvous.state.WatchedStateStore;
import dev.pinhole.rendezvous.stun.RateLimiter;
import dev.pinhole.rendezvous.stun.StunServer;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/** The rendezvous: accepts peers' TLS control connections, keeps the registry, relays sessions. */
public final class RendezvousServer implements AutoCloseable {
    /** Peers ping every 10 s; three missed pings mean the peer is gone. */
    static final long IDLE_SECONDS = 35;
    /**
     * Per-connection send buffer bounds. Above the high mark relayed packets are dropped (see
     * {@link Relayer}); 4 MiB holds a few batches of QUIC packets without drops at gigabit rates.
     */
    static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(2 * 1024 * 1024, 4 * 1024 * 1024);

    /**
     * How long a closing connection waits for its TLS close_notify to be written (Netty's default is 3 s): a peer
     * that reads nothing must not keep a cut-off connection open past the 2 s {@code token revoke} promises.
     */
    static final long CLOSE_NOTIFY_MILLIS = 1_000;

    private final RendezvousConfig config;
    private final Log log;
    private final DataDir dataDir;
    private final WatchedStateStore state;
    private final Registry registry;
    /** Log lines strangers can cause, rate-limited. */
    private final RateLimitedLog strangers;
    /** Open connections per source and in all: control port and public TCP ports. */
    private final ConnectionBudget budget;
    /** The same for the public HTTP and HTTPS ports, apart, so visitors cannot use up the peers' share. */
    private final ConnectionBudget webBudget;
    /** The same for the dashboard, apart, so neither peers nor visitors can lock the operator out. */
    private final ConnectionBudget dashboardBudget;
    private EventLoopGroup group;
    /** Every accepted connection, so a shutdown closes them (peers then reconnect at once, not after a timeout). */
    private ChannelGroup connections;
    private Channel serverChannel;
    private DataDir.JoinCodeFile joinCode;
    private StunServer stun;
    private DashboardServer dashboard;
    private Ingress ingress;
    private Publisher publisher;
    private WebIngress web;
    private AdminSecret adminSecret;
    private final AtomicBoolean closed = new AtomicBoolean();

    public RendezvousServer(RendezvousConfig config, Log log) {
        this.config = config;
        this.log = log;
        this.state = new WatchedStateStore(new FileStateStore(config.dataDir()), log::info);
        this.dataDir = new DataDir(config.dataDir(), Clock.systemUTC(), state);
        this.registry = new Registry(state, Clock.systemUTC(), log, config.limits());
        this.strangers = new RateLimitedLog(log, System::nanoTime);
        this.budget = new ConnectionBudget(config.limits().connectionsPerSource(), config.limits().connections(), strangers);
        this.webBudget = new ConnectionBudget(config.limits().webConnectionsPerSource(), config.limits().webConnections(),
                strangers, "--max-web-connections-per-source", "--max-web-connections");
        this.dashboardBudget = DashboardServer.budget(strangers);
    }

    /** @throws FileStateStore.CorruptStateException when {@code state.json} cannot be read (it is left as it is) */
    public RendezvousServer start() throws IOException, InterruptedException {
        state.load(); // first: a corrupt state file stops the server before anything is started or written
        Identity identity = dataDir.identity();
        SslContext ssl = SslContextBuilder.forServer(identity.privateKey(), identity.certificate())
                .clientAuth(ClientAuth.REQUIRE)
                .trustManager(PinnedTrustManager.anyKey())
                .protocols("TLSv1.3")
                .sslProvider(Transport.sslProvider())
                .build();
        group = Transport.newGroup(2, "rendezvous");
        connections = new DefaultChannelGroup("peers", group.next());
        ingress = new Ingress(registry, identity, group.next()).start();
        TcpIngress tcp = new TcpIngress(ingress, config.bindAddress(), config.publicHost(),
                config.allowPorts() == null ? null : TcpIngress.PortRange.parse(config.allowPorts()), config.limits(),
                budget, System::nanoTime);
        if (config.web() != null) {
            web = new WebIngress(registry, ingress, config.web(), webBudget, config.limits().tcpIdle());
            try {
                web.start(config.bindAddress());
            } catch (Exception e) {
                web.close();
                close();
                throw new IOException("cannot start HTTP/HTTPS ingress on " + config.bindAddress() + " (ports "
                        + config.web().httpPort() + ", " + config.web().httpsPort() + "): " + e.getMessage(), e);
            }
        }
        publisher = new Publisher(registry, tcp,
                config.allowUdpPorts() == null ? null : TcpIngress.PortRange.parse("--allow-udp-ports", config.allowUdpPorts()),
                web, log);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(Transport.serverChannel())
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (!budget.admit(ch, "control port")) {
                            return;
                        }
                        connections.add(ch);
                        SslHandler tls = ssl.newHandler(ch.alloc());
                        tls.setHandshakeTimeoutMillis(config.limits().tlsTimeout().toMillis());
                        tls.setCloseNotifyFlushTimeoutMillis(CLOSE_NOTIFY_MILLIS);
                        ch.pipeline().addLast(tls,
                                new TlsIdentityHandler(strangers),
                                new IdleStateHandler(IDLE_SECONDS, 0, 0, TimeUnit.SECONDS),
                                new FrameDecoder(),
                                FrameEncoder.INSTANCE,
                                new PeerConnectionHandler(registry, log, strangers, config.loginTimeout().toMillis(), publisher));
                    }
                });
        try {
            serverChannel = bootstrap.bind(config.bindAddress(), config.port()).sync().channel();
        } catch (Exception e) {
            close();
            throw new IOException("cannot listen on " + config.bindAddress() + ":" + config.port() + ": " + e.getMessage(), e);
        }
        if (config.stun() != null) {
            try {
                stun = new StunServer(config.stun(), log, new RateLimiter(20, 40, System::nanoTime)).start(group);
                registry.stunListening(stun.port(), stun.altPort());
            } catch (Exception e) {
                close();
                throw new IOException("cannot start STUN on " + config.stun().primary().getHostAddress() + ":"
                        + config.stun().port() + ": " + e.getMessage(), e);
            }
        }
        if (config.dashboard() != null) {
            try {
                adminSecret = AdminSecret.loadOrCreate(dataDir.dashboardSecretFile());
                DashboardState state = new DashboardState(registry, publisher::urlsOf, () -> stun, publisher::udpStats);
                dashboard = DashboardServer.start(group, config.dashboard(), dashboardBudget, adminSecret, state,
                        registry.metrics.dashboardLoginFailures::increment);
            } catch (Exception e) {
                close();
                throw new IOException("cannot start the dashboard on " + config.dashboard() + ": " + e.getMessage(), e);
            }
        }
        joinCode = dataDir.joinCode(config.publicHost(), port(), identity.certificateFingerprint());
        state.watch(registry::stateChanged);
        log.info("rendezvous listening on " + serverChannel.localAddress() + ", certificate " + identity.certificateFingerprint());
        return this;
    }

    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    public JoinCode joinCode() {
        return joinCode.code();
    }

    /** Whether this start issued the join code's token (first start, or the old one was revoked). */
    public boolean joinCodeCreated() {
        return joinCode.created();
    }

    public DataDir dataDir() {
        return dataDir;
    }

    /** The dashboard listener, or null when disabled. */
    public DashboardServer dashboard() {
        return dashboard;
    }

    /** The admin secret's hint (never the secret), or null without a dashboard. */
    public String adminSecretHint() {
        return adminSecret == null ? null : adminSecret.hint();
    }

    /** Where HTTP/HTTPS ingress listens, as URL patterns (e.g. {@code http://NAME.tunnels.example.org:8080}); empty when off. */
    public List<String> ingressUrls() {
        return web == null ? List.of() : web.patterns();
    }

    /** Who is online: for tests and tools that run the server in-process. */
    public Registry registry() {
        return registry;
    }

    /** Open connections per source and in all (control port and public TCP ports). */
    public ConnectionBudget connectionBudget() {
        return budget;
    }

    /** Open connections per source and in all to the public HTTP and HTTPS ports. */
    public ConnectionBudget webConnectionBudget() {
        return webBudget;
    }

    /** Open connections per source and in all to the dashboard. */
    public ConnectionBudget dashboardConnectionBudget() {
        return dashboardBudget;
    }

    /** The STUN service, or null when disabled. */
    public StunServer stun() {
        return stun;
    }

    /** Closing twice (a failed start, then the command line; a test, then Ctrl-C) is a no-op the second time. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        state.close();
        if (dashboard != null) {
            dashboard.close();
        }
        if (publisher != null) {
            publisher.close();
        }
        if (ingress != null) {
            ingress.close();
        }
        if (stun != null) {
            stun.close();
        }
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
        if (connections != null) {
            connections.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        if (group != null) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
