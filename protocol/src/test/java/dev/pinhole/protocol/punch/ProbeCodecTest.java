package dev.pinhole.protocol.punch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.protocol.SessionSecret;
import dev.pinhole.protocol.punch.Probe.Ping;
import dev.pinhole.protocol.punch.Probe.Pong;
import dev.pinhole.protocol.punch.Probe.Role;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ProbeCodecTest {
    static final SessionSecret SECRET = new SessionSecret(bytes(32, 1));
    final ProbeCodec codec = new ProbeCodec(SECRET);

    static Stream<Probe> probes() {
        return Stream.of(
                new Ping(0xcafebabe, Role.CONNECTOR, Long.MIN_VALUE),
                new Ping(1, Role.EXPOSER, 42),
                new Pong(7, Role.EXPOSER, -1, new InetSocketAddress("198.18.2.2", 40001)),
                new Pong(7, Role.CONNECTOR, 0, new InetSocketAddress("2001:db8::2", 1)));
    }

    @ParameterizedTest
    @MethodSource("probes")
    void everyProbeSurvivesARoundTrip(Probe probe) throws Exception {
        ByteBuf wire = codec.encode(probe, ByteBufAllocator.DEFAULT);
        assertTrue(ProbeCodec.looksLikeProbe(wire));
        assertEquals(probe.sessionId(), ProbeCodec.sessionOf(wire));
        assertEquals(probe, codec.decode(wire));
        wire.release();
    }

    @Test
    void layoutIsTheDocumentedOne() {
        ByteBuf wire = codec.encode(new Ping(0x01020304, Role.EXPOSER, 0x1112131415161718L), ByteBufAllocator.DEFAULT);
        assertEquals("0c010100" + "01020304" + "1112131415161718", ByteBufUtil.hexDump(wire, 0, 16));
        assertEquals(32, wire.readableBytes());
        wire.release();
        ByteBuf pong = codec.encode(new Pong(5, Role.CONNECTOR, 9, new InetSocketAddress("198.18.2.2", 40001)), ByteBufAllocator.DEFAULT);
        assertEquals("0c020000" + "00000005" + "0000000000000009" + "04" + "c6120202" + "9c41", ByteBufUtil.hexDump(pong, 0, 23));
        pong.release();
    }

    @ParameterizedTest
    @MethodSource("probes")
    void paddedProbesDecodeTheSameAndSayTheyWerePadded(Probe probe) throws Exception {
        ByteBuf wire = codec.encode(probe, ByteBufAllocator.DEFAULT, ProbeCodec.MAX_DATAGRAM);
        assertEquals(ProbeCodec.MAX_DATAGRAM, wire.readableBytes());
        assertTrue(ProbeCodec.padded(wire));
        assertEquals(probe, codec.decode(wire));
        wire.release();
        ByteBuf plain = codec.encode(probe, ByteBufAllocator.DEFAULT);
        assertFalse(ProbeCodec.padded(plain));
        plain.release();
    }

    @Test
    void aProbeMadeWithAnotherSecretIsRejected() throws Exception {
        ProbeCodec stranger = new ProbeCodec(new SessionSecret(bytes(32, 2)));
        ByteBuf forged = stranger.encode(new Ping(1, Role.CONNECTOR, 1), ByteBufAllocator.DEFAULT);
        var e = assertThrows(ProbeFormatException.class, () -> codec.decode(forged));
        assertEquals("probe MAC does not match the session's secret", e.getMessage());
        forged.release();
    }

    @Test
    void changingAnyByteBreaksTheMac() throws Exception {
        ByteBuf wire = codec.encode(new Pong(5, Role.CONNECTOR, 9, new InetSocketAddress("198.18.2.2", 40001)), ByteBufAllocator.DEFAULT);
        byte[] good = ByteBufUtil.getBytes(wire);
        wire.release();
        for (int i = 0; i < good.length; i++) {
            byte[] bad = good.clone();
            bad[i] ^= 0x40;
            assertThrows(ProbeFormatException.class, () -> codec.decode(Unpooled.wrappedBuffer(bad)), "byte " + i);
        }
    }

    @Test
    void shortAndLongDatagramsAreRejectedByLength() {
        var e = assertThrows(ProbeFormatException.class, () -> codec.decode(Unpooled.wrappedBuffer(new byte[] {0x0c, 1})));
        assertEquals("probe length: 2 (expected: 32..1350)", e.getMessage());
        var e2 = assertThrows(ProbeFormatException.class, () -> ProbeCodec.sessionOf(Unpooled.wrappedBuffer(new byte[] {0x0c})));
        assertEquals("probe length: 1 (expected: >= 32)", e2.getMessage());
        var e3 = assertThrows(ProbeFormatException.class, () -> codec.decode(Unpooled.wrappedBuffer(new byte[1351])));
        assertEquals("probe length: 1351 (expected: 32..1350)", e3.getMessage());
    }

    /** Fuzz: random and mutated datagrams only ever fail with ProbeFormatException. */
    @Test
    void randomDatagramsOnlyEverFailWithProbeFormatException() {
        Random random = new Random(20261122);
        byte[][] seeds = probes().map(p -> {
            ByteBuf b = codec.encode(p, ByteBufAllocator.DEFAULT);
            byte[] out = ByteBufUtil.getBytes(b);
            b.release();
            return out;
        }).toArray(byte[][]::new);
        for (int i = 0; i < 20_000; i++) {
            byte[] datagram = i % 2 == 0 ? bytes(random.nextInt(60), random.nextInt())
                    : seeds[random.nextInt(seeds.length)].clone();
            if (i % 2 == 1) {
                datagram[random.nextInt(datagram.length)] ^= (byte) (1 << random.nextInt(8));
                if (random.nextBoolean()) {
                    datagram = Arrays.copyOf(datagram, random.nextInt(datagram.length + 1));
                }
            }
            try {
                codec.decode(Unpooled.wrappedBuffer(datagram));
            } catch (ProbeFormatException expected) {
                assertFalse(expected.getMessage().isEmpty());
            }
        }
    }

    static byte[] bytes(int length, int seed) {
        byte[] out = new byte[length];
        new Random(seed).nextBytes(out);
        return out;
    }
}
