package dev.pinhole.rendezvous.dashboard;

import dev.pinhole.protocol.net.Transport;
import dev.pinhole.rendezvous.ConnectionBudget;
import dev.pinhole.rendezvous.RateLimitedLog;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The dashboard listener: HTTP/1.1, requests up to 16 KiB, each within {@link #REQUEST_SECONDS} of its first
 * byte, idle connections closed after {@link #IDLE_SECONDS}, and a connection budget of its own
 * (docs/security.md, "Limits: HTTP, HTTPS and dashboard listeners").
 */
public final class DashboardServer implements AutoCloseable {
    static final int MAX_REQUEST = 16 * 1024;
    /** A browser reopens a connection when it needs one; nginx's keepalive_timeout is 75 s. */
    static final int IDLE_SECONDS = 60;
    /** Head and body together are at most 16 KiB, one or a few packets; the HTTP ingress gives a head 20 s. */
    static final int REQUEST_SECONDS = 20;
    /**
     * A browser opens at most 6 connections to a host, Prometheus one; 32 leaves room for a few tabs and tools
     * behind one address (by default every client is 127.0.0.1 or an SSH tunnel to it).
     */
    public static final int MAX_CONNECTIONS_PER_SOURCE = 32;
    /** An operator's view, not a public site: 512 sockets are 16 sources at their cap, and a few MiB at most. */
    public static final int MAX_CONNECTIONS = 512;

    private final Channel channel;

    private DashboardServer(Channel channel) {
        this.channel = channel;
    }

    /** The dashboard's own connection budget (no flags: docs/security.md says why these values fit any server). */
    public static ConnectionBudget budget(RateLimitedLog log) {
        String remedy = "a constant of the dashboard; reach it through an SSH tunnel or a proxy that limits clients";
        return new ConnectionBudget(MAX_CONNECTIONS_PER_SOURCE, MAX_CONNECTIONS, log, remedy, remedy);
    }

    public static DashboardServer start(EventLoopGroup group, InetSocketAddress address, ConnectionBudget budget,
                                        AdminSecret secret, DashboardSource source, Runnable loginFailed)
            throws InterruptedException {
        DashboardHandler handler = new DashboardHandler(secret, source, loginFailed);
        Channel channel = new ServerBootstrap().group(group).channel(Transport.serverChannel())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (!budget.admit(ch, "dashboard")) {
                            return;
                        }
                        install(ch.pipeline(), handler);
                    }
                })
                .bind(address).sync().channel();
        return new DashboardServer(channel);
    }

    /** The handlers of one dashboard connection, in order: clock, codec, aggregator, routes. */
    static void install(ChannelPipeline pipeline, DashboardHandler handler) {
        pipeline.addLast(new DashboardClock(TimeUnit.SECONDS.toNanos(IDLE_SECONDS), TimeUnit.SECONDS.toNanos(REQUEST_SECONDS)),
                new HttpServerCodec(), new HttpObjectAggregator(MAX_REQUEST), handler);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }
}
