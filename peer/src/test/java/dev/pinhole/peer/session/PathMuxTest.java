package dev.pinhole.peer.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PathMuxTest {
    static final class RecordingPath implements PacketPath {
        final List<ByteBuf> sent = new ArrayList<>();
        int flushes;
        final String kind;

        RecordingPath(String kind) {
            this.kind = kind;
        }

        @Override public void send(ByteBuf packet) { sent.add(packet); }
        @Override public void flush() { flushes++; }
        @Override public String kind() { return kind; }
        @Override public String remote() { return "test"; }
    }

    final PathMux mux = new PathMux();
    final EmbeddedChannel udp = new EmbeddedChannel(mux);

    @Test
    void packetsToASessionGoDownItsPathAndNeverToTheSocket() {
        RecordingPath relay = new RecordingPath("relay");
        InetSocketAddress virtual = mux.open(relay);
        assertTrue(PathMux.isVirtual(virtual));
        udp.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(new byte[] {1}), virtual));
        assertEquals(1, relay.sent.size());
        assertEquals(1, relay.flushes);
        assertNull(udp.readOutbound());
        relay.sent.forEach(ByteBuf::release);
    }

    @Test
    void switchingPathsIsInvisibleToTheSender() {
        RecordingPath relay = new RecordingPath("relay");
        RecordingPath direct = new RecordingPath("direct");
        InetSocketAddress virtual = mux.open(relay);
        mux.switchPath(virtual, direct);
        udp.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(new byte[] {1}), virtual));
        assertEquals(0, relay.sent.size());
        assertEquals(1, direct.sent.size());
        direct.sent.forEach(ByteBuf::release);
    }

    @Test
    void latepacketsOfAClosedSessionAreDroppedNotSentToTheVirtualAddress() {
        InetSocketAddress virtual = mux.open(new RecordingPath("relay"));
        mux.close(virtual);
        ByteBuf late = Unpooled.wrappedBuffer(new byte[] {1});
        udp.writeAndFlush(new DatagramPacket(late, virtual));
        assertNull(udp.readOutbound());
        assertEquals(0, late.refCnt());
    }

    @Test
    void realUdpPassesThrough() {
        InetSocketAddress real = new InetSocketAddress("127.0.0.1", 3478);
        udp.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(new byte[] {0}), real));
        DatagramPacket out = udp.readOutbound();
        assertEquals(real, out.recipient());
        out.release();
    }

    @Test
    void deliveredPacketsLookAsIfTheyCameFromTheVirtualAddress() {
        InetSocketAddress virtual = mux.open(new RecordingPath("relay"));
        mux.deliver(virtual, Unpooled.wrappedBuffer(new byte[] {7}));
        DatagramPacket in = udp.readInbound();
        assertEquals(virtual, in.sender());
        in.release();
        ByteBuf stray = Unpooled.wrappedBuffer(new byte[] {8});
        mux.deliver(PathMux.virtualAddress(999), stray);
        assertNull(udp.readInbound());
        assertEquals(0, stray.refCnt());
    }

    @Test
    void relayPathDropsWhenTheControlConnectionIsFullOrGone() {
        EmbeddedChannel control = new EmbeddedChannel();
        control.config().setWriteBufferWaterMark(new io.netty.channel.WriteBufferWaterMark(1, 2));
        control.write(Unpooled.buffer().writeZero(8));
        RelayPath full = new RelayPath(1, () -> control, "rv:7000");
        ByteBuf packet = Unpooled.buffer().writeZero(100);
        full.send(packet);
        assertEquals(0, packet.refCnt());
        assertEquals(1, full.dropped());
        RelayPath gone = new RelayPath(1, () -> null, "rv:7000");
        ByteBuf other = Unpooled.buffer().writeZero(100);
        gone.send(other);
        assertEquals(0, other.refCnt());
        assertEquals(1, gone.dropped());
    }
}
