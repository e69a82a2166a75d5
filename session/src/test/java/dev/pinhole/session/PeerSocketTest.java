package dev.pinhole.session;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pinhole.protocol.net.Transport;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PeerSocketTest {
    /**
     * Batched receives put several datagrams in one buffer, a slot each: every datagram must still arrive whole
     * and alone, the largest a session sends as well as the smallest, from the address that sent it.
     */
    @Test
    void aBurstOfDatagramsOfEverySizeArrivesWholeAndInOrder() throws Exception {
        EventLoopGroup loop = Transport.newGroup(1, "peer-socket-test");
        try {
            List<String> received = new CopyOnWriteArrayList<>();
            List<InetSocketAddress> senders = new CopyOnWriteArrayList<>();
            Channel receiver = PeerSocket.bootstrap(loop)
                    .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                        @Override
                        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
                            received.add(describe(packet.content()));
                            senders.add(packet.sender());
                        }
                    })
                    .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
            receiver.config().setAutoRead(false);
            Channel sender = PeerSocket.bootstrap(loop).handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                @Override
                protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {}
            }).bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();

            // Bounded: 200 datagrams fit the socket buffer, queued while the receiver does not read.
            // 1472: a full 1500-byte IPv4 packet's payload, what a path may allow above QUIC's 1350.
            int[] sizes = {QuicSettings.UDP_PAYLOAD, 1, 1472, 20, QuicSettings.UDP_PAYLOAD - 1};
            List<String> sent = new CopyOnWriteArrayList<>();
            for (int i = 0; i < 200; i++) {
                ByteBuf content = Unpooled.buffer().writeZero(sizes[i % sizes.length]).setByte(0, i);
                sent.add(describe(content));
                sender.write(new DatagramPacket(content, (InetSocketAddress) receiver.localAddress()));
            }
            sender.flush();
            receiver.config().setAutoRead(true);

            await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == sent.size());
            assertEquals(sent, received);
            senders.forEach(from -> assertEquals(sender.localAddress(), from));
            receiver.close().sync();
            sender.close().sync();
        } finally {
            loop.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
        }
    }

    /** Which datagram (its first byte), its length and a digest of its bytes: readable when a test fails. */
    private static String describe(ByteBuf content) {
        return content.getUnsignedByte(content.readerIndex()) + ":" + content.readableBytes() + ":"
                + ByteBufUtil.hashCode(content);
    }
}
