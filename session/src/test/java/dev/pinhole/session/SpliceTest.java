package dev.pinhole.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

class SpliceTest {
    /**
     * Regression: the peer became unwritable, the Splice flushed it, the flush drained it and fired
     * "writable" (resume) synchronously, and only then did the Splice pause its own reads, so nothing
     * ever resumed them: a download stalled for good after about 25 MB.
     */
    @Test
    void aPeerThatDrainsDuringTheFlushDoesNotLeaveReadsPaused() {
        EmbeddedChannel source = new EmbeddedChannel();
        EmbeddedChannel peer = new EmbeddedChannel();
        peer.config().setWriteBufferWaterMark(new WriteBufferWaterMark(8, 16));
        source.pipeline().addLast(new Splice(peer));
        peer.pipeline().addLast(new Splice(source));

        source.writeInbound(Unpooled.buffer().writeZero(64));

        assertTrue(peer.isWritable(), "the flush drained the peer");
        assertTrue(source.config().isAutoRead(), "reads must not stay paused once the peer is writable");
        ByteBuf out = peer.readOutbound();
        assertEquals(64, out.readableBytes());
        out.release();
    }

    @Test
    void aPeerThatStaysFullPausesReadsUntilItDrains() {
        EmbeddedChannel source = new EmbeddedChannel();
        // A peer whose socket is stuck: flushes are swallowed, so writes stay in its outbound buffer.
        EmbeddedChannel peer = new EmbeddedChannel(new ChannelOutboundHandlerAdapter() {
            @Override
            public void flush(ChannelHandlerContext ctx) {}
        });
        peer.config().setWriteBufferWaterMark(new WriteBufferWaterMark(8, 16));
        source.pipeline().addLast(new Splice(peer));
        peer.pipeline().addLast(new Splice(source));

        source.writeInbound(Unpooled.buffer().writeZero(64));
        assertFalse(peer.isWritable());
        assertFalse(source.config().isAutoRead(), "paused while the peer is full");

        peer.unsafe().flush(); // the socket drains: "writable" fires on the peer
        assertTrue(peer.isWritable());
        assertTrue(source.config().isAutoRead(), "resumed once the peer drained");
        ByteBuf out = peer.readOutbound();
        out.release();
    }

    @Test
    void closingOneSideClosesTheOtherAfterItsQueuedBytes() {
        EmbeddedChannel a = new EmbeddedChannel();
        EmbeddedChannel b = new EmbeddedChannel();
        a.pipeline().addLast(new Splice(b));
        b.pipeline().addLast(new Splice(a));
        a.writeInbound(Unpooled.wrappedBuffer(new byte[] {1, 2, 3}));
        a.close();
        ByteBuf delivered = b.readOutbound();
        assertEquals(3, delivered.readableBytes());
        delivered.release();
        assertFalse(b.isActive());
    }
}
