package dev.pinhole.rendezvous.stun;

import dev.pinhole.protocol.net.Transport;
import dev.pinhole.protocol.stun.StunFormatException;
import dev.pinhole.protocol.stun.StunMessages;
import dev.pinhole.rendezvous.Log;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicLong;

/**
 * STUN Binding service (RFC 8489) with RFC 5780 behaviour discovery when given a second address: four
 * sockets, {primary, alternate} IP x {primary, alternate} port, and each response leaves from the one
 * the request's CHANGE-REQUEST asks for. Without a second address it is two sockets (the primary IP on
 * both ports: peers compare their mapped ports to learn whether their NAT maps per destination) and
 * sends no OTHER-ADDRESS, which tells RFC 5780 clients that the change tests cannot run.
 */
public final class StunServer implements AutoCloseable {
    public record Config(InetAddress primary, int port, InetAddress alternate, int alternatePort) {}

    private final Config config;
    private final Log log;
    private final RateLimiter limiter;
    /** Indexed [ip: 0 primary, 1 alternate][port: 0 primary, 1 alternate]. */
    private final Channel[][] sockets = new Channel[2][2];
    public final AtomicLong requests = new AtomicLong();
    public final AtomicLong malformed = new AtomicLong();
    public final AtomicLong limited = new AtomicLong();

    public StunServer(Config config, Log log, RateLimiter limiter) {
        this.config = config;
        this.log = log;
        this.limiter = limiter;
    }

    public StunServer start(EventLoopGroup group) throws InterruptedException {
        boolean rfc5780 = config.alternate() != null;
        for (int ip = 0; ip < (rfc5780 ? 2 : 1); ip++) {
            for (int port = 0; port < 2; port++) {
                InetAddress address = ip == 0 ? config.primary() : config.alternate();
                int number = port == 0 ? config.port() : config.alternatePort();
                if (number == 0 && ip == 1 && sockets[0][port] != null) {
                    // Port 0 picks a free port; the alternate IP must then use the same numbers as the primary.
                    number = ((InetSocketAddress) sockets[0][port].localAddress()).getPort();
                }
                int ipIndex = ip;
                int portIndex = port;
                sockets[ip][port] = new Bootstrap().group(group).channel(Transport.datagramChannel())
                        .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
                                answer(ipIndex, portIndex, packet);
                            }
                        })
                        .bind(address, number).sync().channel();
            }
        }
        log.info("STUN on " + describe(0, 0) + " and " + describe(0, 1) + (rfc5780 ? ", RFC 5780 also on "
                + describe(1, 0) + ", " + describe(1, 1) : " (no --alt-address: RFC 5780 change tests unavailable)"));
        return this;
    }

    private String describe(int ip, int port) {
        InetSocketAddress address = (InetSocketAddress) sockets[ip][port].localAddress();
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }

    public int port() {
        return ((InetSocketAddress) sockets[0][0].localAddress()).getPort();
    }

    /** The second port on the primary address. */
    public int altPort() {
        return ((InetSocketAddress) sockets[0][1].localAddress()).getPort();
    }

    private void answer(int ip, int port, DatagramPacket packet) {
        InetSocketAddress sender = packet.sender();
        if (!limiter.tryAcquire(sender.getAddress())) {
            limited.incrementAndGet();
            return;
        }
        StunMessages.BindingRequest request;
        try {
            byte[] bytes = ByteBufUtil.getBytes(packet.content());
            request = StunMessages.parse(bytes, bytes.length);
        } catch (StunFormatException e) {
            malformed.incrementAndGet();
            return;
        }
        requests.incrementAndGet();
        boolean rfc5780 = sockets[1][1] != null;
        int outIp = rfc5780 && request.changeIp() ? 1 - ip : ip;
        int outPort = rfc5780 && request.changePort() ? 1 - port : port;
        Channel out = sockets[outIp][outPort];
        InetSocketAddress origin = (InetSocketAddress) out.localAddress();
        InetSocketAddress other = rfc5780 ? (InetSocketAddress) sockets[1 - ip][1 - port].localAddress() : null;
        byte[] response = StunMessages.success(request, sender, origin, other);
        out.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(response), sender));
    }

    @Override
    public void close() {
        for (Channel[] row : sockets) {
            for (Channel channel : row) {
                if (channel != null) {
                    channel.close().syncUninterruptibly();
                }
            }
        }
    }
}
