package dev.pinhole.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.protocol.ControlMessage.Open;
import dev.pinhole.protocol.ControlMessage.Register;
import dev.pinhole.protocol.ControlMessage.Relay;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the decoder does with bytes no honest peer sends: it fails with a {@link ProtocolException} that names the
 * field and what was expected, and nothing else; the encoder refuses what the decoder would refuse. The bytes of
 * well-formed messages are pinned in {@link ControlCodecTest}.
 */
class ControlCodecMalformedTest {
    /** Captured bodies (hex) with what is wrong with them. */
    static Stream<List<String>> malformed() {
        return Stream.of(
                List.of("", "message type: needs 1 bytes, 0 left"),
                List.of("63", "message type: 99 (expected: 1..22)"),
                List.of("00", "message type: 0 (expected: 1..22)"),
                List.of("0100", "version: needs 2 bytes, 1 left"),
                List.of("01000104", "token length: needs 2 bytes, 1 left"),
                List.of("010001" + "0005" + "6162", "token: needs 5 bytes, 2 left"),
                List.of("010001" + "0401", "token length: 1025 (expected: <= 1024)"),
                List.of("010001" + "0002c328" + "0000", "token: invalid UTF-8"),
                List.of("0b" + "0000000000000001" + "ff", "trailing bytes after message type 11: 1"),
                List.of("09000000", "session id: needs 4 bytes, 3 left"),
                // A 1-byte segment size would make this frame 65 packets for the receiver to split and decrypt.
                List.of("09" + "00000005" + "0001" + "00".repeat(65),
                        "relay segment size: 1 for 65 payload bytes (expected: 0, or at most 64 segments per frame)"),
                List.of("04" + "00000001" + "0002" + "6869" + "1f", "port: needs 2 bytes, 1 left"),
                List.of("04" + "00000001" + "0002" + "6869" + "1f90", "allowed peer count: needs 1 bytes, 0 left"),
                List.of("04" + "00000001" + "0002" + "6869" + "1f90" + "21", "allowed peer count: 33 (expected: <= 32)"),
                List.of("04" + "00000001" + "0002" + "6869" + "1f90" + "01" + "0003" + "78797a",
                        "allowed peer 0: xyz (" + AllowedPeer.EXPECTED + ")"),
                List.of("04" + "00000001" + "0002" + "6869" + "1f90" + "01" + "0006" + "6c6162656c3a",
                        "allowed peer 0: label: (expected: a token label of 1..64 characters, as 'rendezvous token list' shows it)"),
                List.of("04" + "00000001" + "0002" + "6869" + "1f90" + "02" + "0008" + "6c6162656c3a6161",
                        "allowed peer 1 length: needs 2 bytes, 0 left"),
                List.of("04" + "00000001" + "0002" + "6869" + "1f90" + "00", "carries: needs 1 bytes, 0 left"),
                List.of("04" + "00000001" + "0002" + "6869" + "1f90" + "00" + "00",
                        "carries: 0 (expected: 1 TCP, 2 UDP or 3 both)"),
                List.of("07" + "00000004" + "cafebabe" + "0001" + "77" + "0001" + "6b" + "1f90" + "0004" + "01020304" + "00" + "04",
                        "carries: 4 (expected: 1 TCP, 2 UDP or 3 both)"),
                List.of("0d" + "00000003" + "04", "candidate flags: 4 (expected: 0..3)"),
                List.of("0e" + "10", "NAT flags: 16 (expected: 0..15)"),
                List.of("07" + "00000004" + "cafebabe" + "0001" + "77" + "0001" + "6b" + "1f90" + "0004" + "01020304" + "04",
                        "exposer flags: 4 (expected: 0..3)"),
                List.of("0f" + "00000001" + "02", "direct: 2 (expected: 0 or 1)"),
                List.of("10" + "00000001" + "0000" + "05" + "0000", "publish kind: 5 (expected: 1..4)"),
                List.of("10" + "00000001" + "0000" + "02" + "0000" + "0004" + "3a616263" + "00",
                        "basic auth: no USER: part (expected: USER:PASS or empty)"),
                List.of("10" + "00000001" + "0000" + "02" + "0000" + "0000" + "21", "allow count: 33 (expected: <= 32)"),
                List.of("10" + "00000001" + "0000" + "02" + "0000" + "0000" + "01" + "0004" + "312f3234",
                        "allow 0: address block '1/24' (expected: an IP address, optionally /PREFIX, e.g. 203.0.113.0/24)"),
                List.of("10" + "00000001" + "0000" + "02" + "0000" + "0000" + "00" + "0003" + "610d0a",
                        "host header: 3 characters, or not printable ASCII (expected: a host[:port] of at most 255)"),
                List.of("0d" + "00000003" + "00" + "11", "candidate count: 17 (expected: <= 16)"),
                List.of("12" + "00000001" + "ffffffffffffffff" + "0000000000000000", "bytes sent: 18446744073709551615 (expected: < 2^63)"),
                List.of("12" + "00000001" + "0000000000000001", "bytes received: needs 8 bytes, 0 left"),
                List.of("0d" + "00000003" + "00" + "01" + "05", "candidate 0 family: 5 (expected: 4 or 6)"),
                List.of("0d" + "00000003" + "00" + "01" + "04c6130102" + "0000", "candidate 0 port: 0 (expected: 1..65535)"),
                List.of("0d" + "00000003" + "02" + "04c613", "reflexive candidate address: needs 4 bytes, 2 left"),
                List.of("07" + "00000004" + "00000001" + "0000" + "0000" + "0050" + "0041", "secret length: 65 (expected: <= 64)"),
                // Name messages (peer names, peer release)
                List.of("17", "message type: 23 (expected: 1..22)"),
                List.of("13" + "000000", "request id: needs 4 bytes, 3 left"),
                List.of("13" + "00000001" + "00", "trailing bytes after message type 19: 1"),
                List.of("14" + "00000001" + "000001f5" + "01f5", "name count: 501 (expected: <= 500)"),
                List.of("14" + "00000001" + "00000000" + "0001", "total names: 0 (expected: 1..2147483647)"),
                List.of("14" + "00000001" + "ffffffff" + "0000", "total names: 4294967295 (expected: 0..2147483647)"),
                List.of("14" + "00000001" + "00000001" + "0001" + "0001" + "61" + "0000" + "8000000000000000" + "00",
                        "created 0: 9223372036854775808 (expected: < 2^63)"),
                List.of("14" + "00000001" + "00000001" + "0001" + "0001" + "61" + "0000" + "0000000000000001" + "02",
                        "online 0: 2 (expected: 0 or 1)"),
                List.of("14" + "00000001" + "00000002" + "0002" + "0001" + "61" + "0000" + "0000000000000001" + "01",
                        "name 1 length: needs 2 bytes, 0 left"),
                List.of("15" + "00000001" + "0005" + "6e6173", "name: needs 5 bytes, 3 left"),
                List.of("16" + "00000001" + "0001" + "61" + "00", "trailing bytes after message type 22: 1"));
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void malformedBodiesFailClosedWithAClearMessage(List<String> testCase) {
        ByteBuf buf = Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(testCase.get(0)));
        ProtocolException e = assertThrows(ProtocolException.class, () -> ControlCodec.decode(buf));
        assertEquals(testCase.get(1), e.getMessage());
    }

    @Test
    void encoderRefusesAnAllowListTheDecoderWouldRefuse() {
        ByteBuf buf = Unpooled.buffer();
        List<AllowedPeer> tooMany = IntStream.range(0, ControlCodec.MAX_ALLOWED_PEERS + 1)
                .mapToObj(i -> (AllowedPeer) new AllowedPeer.Label("peer" + i)).toList();
        var e = assertThrows(IllegalArgumentException.class,
                () -> ControlCodec.encode(new Register(1, "web", 80, tooMany, Carries.TCP), buf));
        assertEquals("allowed peers: 33 (expected: <= 32)", e.getMessage());
        buf.release();
    }

    @Test
    void encoderRefusesStringsTheDecoderWouldRefuse() {
        ByteBuf buf = Unpooled.buffer();
        var e = assertThrows(IllegalArgumentException.class,
                () -> ControlCodec.encode(new Open(1, "x".repeat(1025)), buf));
        assertEquals("string length: 1025 (expected: <= 1024)", e.getMessage());
        buf.release();
    }

    /**
     * Fuzz: random bodies and bit-flipped valid ones either decode or throw ProtocolException, never
     * anything else, and never leak the relay payload slice.
     */
    @Test
    void randomAndMutatedBodiesOnlyEverFailWithProtocolException() {
        Random random = new Random(20261122);
        List<byte[]> seeds = ControlCodecTest.messages().map(m -> {
            ByteBuf b = Unpooled.buffer();
            ControlCodec.encode(m, b);
            byte[] bytes = ByteBufUtil.getBytes(b);
            b.release();
            return bytes;
        }).toList();
        int decoded = 0;
        for (int i = 0; i < 50_000; i++) {
            byte[] body;
            if (i % 2 == 0) {
                body = new byte[random.nextInt(64)];
                random.nextBytes(body);
            } else {
                body = seeds.get(random.nextInt(seeds.size())).clone();
                if (body.length > 0) {
                    body[random.nextInt(body.length)] ^= (byte) (1 << random.nextInt(8));
                }
                if (random.nextBoolean() && body.length > 1) {
                    body = Arrays.copyOf(body, random.nextInt(body.length));
                }
            }
            ByteBuf buf = Unpooled.wrappedBuffer(body);
            try {
                ControlMessage message = ControlCodec.decode(buf);
                decoded++;
                if (message instanceof Relay relay) {
                    relay.release();
                }
            } catch (ProtocolException expected) {
                assertFalse(expected.getMessage().isEmpty());
            }
            assertTrue(body.length == 0 || buf.release(), "input buffer still referenced after decode of " + ByteBufUtil.hexDump(body));
        }
        assertTrue(decoded > 1000, "the fuzzer should also produce valid messages, got " + decoded);
    }
}
