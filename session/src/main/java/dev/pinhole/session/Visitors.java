package dev.pinhole.session;

import dev.pinhole.protocol.net.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.function.Consumer;

/**
 * Local TCP connections carried as streams of a session: how {@code peer connect} and the rendezvous'
 * public ingress both do it (one way into an exposer, whoever connects).
 */
public final class Visitors {
    private Visitors() {}

    /** A listener for visitors: half-close kept, reads driven by {@link Splice}, no Nagle delay. */
    public static ServerBootstrap listener(EventLoop loop, Consumer<Channel> accept) {
        return new ServerBootstrap().group(loop).channel(Transport.serverChannel())
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel visitor) {
                        accept.accept(visitor);
                    }
                });
    }

    /** Once {@code session} is up, opens a stream on it, writes the TCP stream header and splices {@code visitor} to it. */
    public static void carry(Future<QuicChannel> session, Channel visitor) {
        openStream(session, visitor.eventLoop()).addListener(opened -> {
            if (opened.isSuccess()) {
                Splice.join(visitor, (Channel) opened.getNow());
            } else {
                visitor.close();
            }
        });
    }

    /**
     * Once {@code session} is up, opens a stream to the exposer's service with the TCP stream header written;
     * the stream does not read until its user says so (auto-read off). Completes on {@code loop}.
     */
    public static Future<QuicStreamChannel> openStream(Future<QuicChannel> session, EventLoop loop) {
        Promise<QuicStreamChannel> stream = loop.newPromise();
        session.addListener(future -> {
            if (!future.isSuccess()) {
                stream.tryFailure(future.cause());
                return;
            }
            ((QuicChannel) future.getNow()).newStreamBootstrap()
                    .type(QuicStreamType.BIDIRECTIONAL)
                    .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .option(ChannelOption.AUTO_READ, false)
                    .handler(new ChannelInboundHandlerAdapter())
                    .create()
                    .addListener(created -> {
                        if (created.isSuccess()) {
                            QuicStreamChannel channel = (QuicStreamChannel) created.getNow();
                            StreamHeader.write(channel, StreamHeader.TCP);
                            stream.trySuccess(channel);
                        } else {
                            stream.tryFailure(created.cause());
                        }
                    });
        });
        return stream;
    }
}
