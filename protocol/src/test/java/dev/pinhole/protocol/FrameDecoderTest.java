package dev.pinhole.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pinhole.protocol.ControlMessage.Ping;
import dev.pinhole.protocol.ControlMessage.Relay;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import org.junit.jupiter.api.Test;

class FrameDecoderTest {
    private final EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(), FrameEncoder.INSTANCE);

    private ByteBuf encoded(ControlMessage... messages) {
        EmbeddedChannel encoder = new EmbeddedChannel(FrameEncoder.INSTANCE);
        for (ControlMessage m : messages) {
            encoder.writeOutbound(m);
        }
        ByteBuf all = Unpooled.buffer();
        for (ByteBuf b; (b = encoder.readOutbound()) != null; ) {
            all.writeBytes(b);
            b.release();
        }
        return all;
    }

    @Test
    void decodesFramesSplitAcrossReadsAndSeveralInOneRead() {
        ByteBuf bytes = encoded(new Ping(1), new Ping(2), new Ping(3));
        channel.writeInbound(bytes.readRetainedSlice(3));
        assertNull(channel.readInbound());
        channel.writeInbound(bytes.readRetainedSlice(bytes.readableBytes()));
        assertEquals(new Ping(1), channel.readInbound());
        assertEquals(new Ping(2), channel.readInbound());
        assertEquals(new Ping(3), channel.readInbound());
        assertEquals(0, bytes.refCnt() - 1);
        bytes.release();
    }

    @Test
    void relayFramesCarryTheirPayloadAndReleaseIt() {
        ByteBuf payload = Unpooled.copiedBuffer(new byte[1200]);
        channel.writeOutbound(new Relay(77, 0, payload));
        assertEquals(0, payload.refCnt(), "encoder released the payload");
        ByteBuf wire = channel.readOutbound();
        channel.writeInbound(wire);
        Relay relay = channel.readInbound();
        assertEquals(1200, relay.payload().readableBytes());
        relay.release();
        assertEquals(0, wire.refCnt());
    }

    @Test
    void oversizedFrameFailsWithItsLengthAndLaterBytesAreDiscarded() {
        ByteBuf frame = Unpooled.buffer().writeInt(70_000).writeZero(16);
        DecoderException e = assertThrows(DecoderException.class, () -> channel.writeInbound(frame));
        assertInstanceOf(ProtocolException.class, e.getCause());
        assertEquals("frame length: 70000 (expected: 1..65535)", e.getCause().getMessage());
        assertEquals(0, frame.refCnt());
        ByteBuf more = encoded(new Ping(5));
        channel.writeInbound(more);
        assertNull(channel.readInbound(), "no frame after a framing error can be trusted");
        assertEquals(0, more.refCnt());
    }

    @Test
    void emptyFrameIsAnError() {
        DecoderException e = assertThrows(DecoderException.class,
                () -> channel.writeInbound(Unpooled.buffer().writeInt(0)));
        assertEquals("frame length: 0 (expected: 1..65535)", e.getCause().getMessage());
    }

    @Test
    void malformedBodyFailsTheStreamWithoutLeaking() {
        ByteBuf frame = Unpooled.buffer().writeInt(1).writeByte(99);
        DecoderException e = assertThrows(DecoderException.class, () -> channel.writeInbound(frame));
        assertEquals("message type: 99 (expected: 1..22)", e.getCause().getMessage());
        assertEquals(0, frame.refCnt());
        assertFalse(channel.finish());
    }
}
