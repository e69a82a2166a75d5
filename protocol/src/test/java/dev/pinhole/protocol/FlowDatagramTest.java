package dev.pinhole.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FlowDatagramTest {
    /** Golden bytes of docs/udp.md, "Wire format": each varint length once, then the payload "hi". */
    @ParameterizedTest
    @CsvSource({
            "0, 006869",                       // 1-byte varint 0
            "63, 3f6869",                      // 1-byte varint, its largest
            "64, 40406869",                    // 2-byte varint: top bits 01
            "16383, 7fff6869",                 // 2-byte varint, its largest
            "16384, 800040006869",             // 4-byte varint: top bits 10
            "1073741824, c0000000400000006869", // 8-byte varint: top bits 11
    })
    void encodesToGoldenBytesAndBack(long flowId, String hex) {
        ByteBuf payload = Unpooled.copiedBuffer("hi", StandardCharsets.US_ASCII);
        ByteBuf encoded = FlowDatagram.encode(UnpooledByteBufAllocator.DEFAULT, flowId, payload);
        try {
            assertEquals(hex, ByteBufUtil.hexDump(encoded));
            assertEquals(FlowDatagram.headerLength(flowId) + 2, encoded.readableBytes());
            assertEquals(flowId, FlowDatagram.readFlowId(encoded));
            assertEquals("hi", encoded.toString(StandardCharsets.US_ASCII));
            assertEquals(2, payload.readableBytes()); // the payload is copied, not consumed
        } finally {
            encoded.release();
            payload.release();
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "'' | flow datagram: empty (expected: a varint flow id, then the payload)",
            "40 | flow id: needs 2 bytes, 1 left",
            "800000 | flow id: needs 4 bytes, 3 left",
            "c0000000000000 | flow id: needs 8 bytes, 7 left",
    })
    void malformedDatagramsFailClosed(String hex, String message) {
        ByteBuf datagram = Unpooled.wrappedBuffer(HexFormat.of().parseHex(hex));
        assertEquals(message, assertThrows(ProtocolException.class, () -> FlowDatagram.readFlowId(datagram)).getMessage());
    }

    @ParameterizedTest
    @CsvSource({"-1", "4611686018427387904"})
    void flowIdsOutsideTheVarintRangeAreRefused(long flowId) {
        assertEquals("flow id: " + flowId + " (expected: 0..4611686018427387903)",
                assertThrows(IllegalArgumentException.class, () -> FlowDatagram.headerLength(flowId)).getMessage());
    }
}
