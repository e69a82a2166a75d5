package dev.pinhole.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PathMuxTest {
    static final class RecordingPath implements PacketPath {
        final List<ByteBuf> sent = new ArrayList<>();
        final List<Integer> segments = new ArrayList<>();
        int flushes;
        final String kind;

        RecordingPath(String kind) {
            this.kind = kind;
        }

        @Override public void send(ByteBuf packet, int segmentSize) { sent.add(packet); segments.add(segmentSize); }
        @Override public void flush() { flushes++; }
        @Override public String kind() { return kind; }
        @Override public String remote() { return "test"; }
    }

    final List<DatagramPacket> stun = new ArrayList<>();
    final List<DatagramPacket> probes = new ArrayList<>();
    final PathMux mux = new PathMux(new PathMux.Listener() {
        @Override public void stun(DatagramPacket packet) { stun.add(packet); }
        @Override public void probe(Channel socket, DatagramPacket packet) { probes.add(packet); }
    }, VirtualNet.PEER);
    final EmbeddedChannel udp = new EmbeddedChannel(mux);
    static final InetSocketAddress PEER = new InetSocketAddress("198.18.2.2", 40001);

    static DatagramPacket from(InetSocketAddress sender, int... bytes) {
        ByteBuf content = Unpooled.buffer();
        for (int b : bytes) {
            content.writeByte(b);
        }
        return new DatagramPacket(content, new InetSocketAddress("0.0.0.0", 1), sender);
    }

    @Test
    void inboundDatagramsAreSortedByFirstByte() {
        InetSocketAddress virtual = mux.open(new RecordingPath("direct"));
        mux.allow(udp, PEER, virtual);
        udp.writeInbound(from(PEER, 0x01, 0x01), from(PEER, 0x0c, 0), from(PEER, 0x41, 9), from(PEER, 0xc3, 9));
        assertEquals(1, stun.size());
        assertEquals(1, probes.size());
        DatagramPacket quicShort = udp.readInbound();
        DatagramPacket quicLong = udp.readInbound();
        assertEquals(virtual, quicShort.sender(), "QUIC from a verified remote looks like the session's");
        assertEquals(virtual, quicLong.sender());
        quicShort.release();
        quicLong.release();
        stun.forEach(DatagramPacket::release);
        probes.forEach(DatagramPacket::release);
    }

    @Test
    void quicFromAnUnverifiedSenderAndUnknownKindsAreDropped() {
        InetSocketAddress virtual = mux.open(new RecordingPath("direct"));
        mux.allow(udp, PEER, virtual);
        DatagramPacket stranger = from(new InetSocketAddress("198.18.9.9", 40001), 0x41, 9);
        DatagramPacket unknown = from(PEER, 0x20, 9);
        DatagramPacket empty = from(PEER);
        udp.writeInbound(stranger, unknown, empty);
        assertNull(udp.readInbound());
        assertEquals(0, stranger.refCnt());
        assertEquals(0, unknown.refCnt());
        assertEquals(3, mux.dropped());
        mux.close(virtual);
        DatagramPacket afterClose = from(PEER, 0x41, 9);
        udp.writeInbound(afterClose);
        assertNull(udp.readInbound(), "closing a session forgets its verified remotes");
        assertEquals(0, afterClose.refCnt());
    }

    @Test
    void aBatchKeepsItsSegmentSizeAndSplitsBackIntoPackets() {
        RecordingPath relay = new RecordingPath("relay");
        InetSocketAddress virtual = mux.open(relay);
        udp.writeAndFlush(new PacketBatch(Unpooled.buffer().writeZero(25), 10, virtual));
        assertEquals(List.of(10), relay.segments);
        List<Integer> sizes = new ArrayList<>();
        ByteBuf batch = relay.sent.get(0);
        PacketBatch.split(batch, 10, packet -> {
            sizes.add(packet.readableBytes());
            packet.release();
        });
        assertEquals(List.of(10, 10, 5), sizes);
        assertEquals(0, batch.refCnt());
    }

    /** A session partner forging another peer's source must not move that peer's QUIC to its own session. */
    @Test
    void aProbeOfOneSessionCannotTakeOverAnotherSessionsRemote() {
        InetSocketAddress honest = mux.open(new RecordingPath("direct"));
        InetSocketAddress attacker = mux.open(new RecordingPath("relay"));
        assertTrue(mux.allow(udp, PEER, honest));
        assertFalse(mux.allow(udp, PEER, attacker));
        udp.writeInbound(from(PEER, 0x41, 9));
        DatagramPacket quic = udp.readInbound();
        assertEquals(honest, quic.sender(), "still the honest session's");
        quic.release();
        mux.close(honest);
        assertTrue(mux.allow(udp, PEER, attacker), "once that session is gone the remote is free");
    }

    @Test
    void aSessionAcceptsQuicFromABoundedNumberOfRemotesTheEldestGoingFirst() {
        InetSocketAddress virtual = mux.open(new RecordingPath("direct"));
        for (int port = 1; port <= 1_000; port++) {
            mux.allow(udp, new InetSocketAddress("203.0.113.9", port), virtual);
        }
        assertEquals(PathMux.MAX_ALLOWED_PER_SESSION, mux.allowedRemotes());
        udp.writeInbound(from(new InetSocketAddress("203.0.113.9", 1), 0x41, 9));
        assertNull(udp.readInbound(), "the eldest was forgotten");
        udp.writeInbound(from(new InetSocketAddress("203.0.113.9", 1_000), 0x41, 9));
        DatagramPacket quic = udp.readInbound();
        assertEquals(virtual, quic.sender());
        quic.release();
        mux.close(virtual);
        assertEquals(0, mux.allowedRemotes());
    }

    @Test
    void aBatchOfTooManyTinySegmentsIsDroppedWholeNotSplitIntoThousandsOfPackets() {
        ByteBuf batch = Unpooled.buffer().writeZero(65_000);
        List<Integer> sizes = new ArrayList<>();
        PacketBatch.split(batch, 1, packet -> {
            sizes.add(packet.readableBytes());
            packet.release();
        });
        assertEquals(List.of(), sizes);
        assertEquals(0, batch.refCnt());
    }

    @Test
    void packetsToASessionGoDownItsPathAndNeverToTheSocket() {
        RecordingPath relay = new RecordingPath("relay");
        InetSocketAddress virtual = mux.open(relay);
        assertTrue(VirtualNet.PEER.contains(virtual));
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
    void realUdpFromAboveGoesToTheSocket() {
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
        mux.deliver(VirtualNet.PEER.address(999), stray);
        assertNull(udp.readInbound());
        assertEquals(0, stray.refCnt());
    }

    @Test
    void relayPathDropsWhenTheControlConnectionIsFullOrGone() {
        EmbeddedChannel control = new EmbeddedChannel();
        control.config().setWriteBufferWaterMark(new WriteBufferWaterMark(1, 2));
        control.write(Unpooled.buffer().writeZero(8));
        RelayPath full = new RelayPath(1, () -> control, "rv:7000");
        ByteBuf packet = Unpooled.buffer().writeZero(100);
        full.send(packet, 0);
        assertEquals(0, packet.refCnt());
        assertEquals(1, full.dropped());
        RelayPath gone = new RelayPath(1, () -> null, "rv:7000");
        ByteBuf other = Unpooled.buffer().writeZero(100);
        gone.send(other, 0);
        assertEquals(0, other.refCnt());
        assertEquals(1, gone.dropped());
    }
}
