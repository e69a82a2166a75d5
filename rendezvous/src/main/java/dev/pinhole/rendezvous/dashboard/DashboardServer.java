package dev.pinhole.rendezvous.dashboard;

import dev.pinhole.protocol.net.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.net.InetSocketAddress;

/** The dashboard listener: HTTP/1.1, requests up to 16 KiB, idle connections closed after 60 s. */
public final class DashboardServer implements AutoCloseable {
    static final int MAX_REQUEST = 16 * 1024;
    static final int IDLE_SECONDS = 60;

    private final Channel channel;

    private DashboardServer(Channel channel) {
        this.channel = channel;
    }

    public static DashboardServer start(EventLoopGroup group, InetSocketAddress address, AdminSecret secret,
                                        DashboardSource source, Runnable loginFailed) throws InterruptedException {
        DashboardHandler handler = new DashboardHandler(secret, source, loginFailed);
        Channel channel = new ServerBootstrap().group(group).channel(Transport.serverChannel())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new ReadTimeoutHandler(IDLE_SECONDS), new HttpServerCodec(),
                                new HttpObjectAggregator(MAX_REQUEST), handler);
                    }
                })
                .bind(address).sync().channel();
        return new DashboardServer(channel);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }
}
