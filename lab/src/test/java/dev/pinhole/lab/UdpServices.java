package dev.pinhole.lab;

import dev.pinhole.protocol.net.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsSection;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * UDP services on loopback for the tunnel tests: an echo that remembers who sent (the exposer's flows must look like
 * distinct clients), and a DNS server built with Netty's codec-dns answering every A question with {@link #ANSWER}.
 */
final class UdpServices implements AutoCloseable {
    /** The address the DNS server gives for every name (TEST-NET-3, never routed). */
    static final byte[] ANSWER = {(byte) 203, 0, 113, 7};

    private final EventLoopGroup group = Transport.newGroup(1, "udp-service");
    /** Source addresses the echo has seen. */
    final Set<InetSocketAddress> echoSenders = ConcurrentHashMap.newKeySet();

    /** An echo on 127.0.0.1: each datagram goes back to its sender unchanged. */
    int echo() throws InterruptedException {
        return echo(0);
    }

    /** The echo on 127.0.0.1:{@code port} (0: any free one); returns its port. */
    int echo(int port) throws InterruptedException {
        Channel channel = new Bootstrap().group(group).channel(Transport.datagramChannel())
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(65_536)) // not truncated at 2 KiB
                .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
                        echoSenders.add(packet.sender());
                        ctx.writeAndFlush(new DatagramPacket(packet.content().retain(), packet.sender()));
                    }
                })
                .bind("127.0.0.1", port).sync().channel();
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /** A DNS server on 127.0.0.1: one A record, {@link #ANSWER}, for whatever name is asked. */
    int dns() throws InterruptedException {
        Channel channel = new Bootstrap().group(group).channel(Transport.datagramChannel())
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new DatagramDnsQueryDecoder(), new DatagramDnsResponseEncoder(),
                                new SimpleChannelInboundHandler<DatagramDnsQuery>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, DatagramDnsQuery query) {
                                        DnsQuestion question = query.recordAt(DnsSection.QUESTION);
                                        DatagramDnsResponse response = new DatagramDnsResponse(query.recipient(),
                                                query.sender(), query.id());
                                        response.addRecord(DnsSection.QUESTION, question);
                                        response.addRecord(DnsSection.ANSWER, new DefaultDnsRawRecord(question.name(),
                                                DnsRecordType.A, 60, Unpooled.wrappedBuffer(ANSWER)));
                                        ctx.writeAndFlush(response);
                                    }
                                });
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
