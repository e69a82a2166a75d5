package dev.pinhole.protocol.stun;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.Random;
import org.ice4j.attribute.Attribute;
import org.ice4j.attribute.AttributeFactory;
import org.ice4j.attribute.OptionalAttribute;
import org.ice4j.attribute.XorMappedAddressAttribute;
import org.ice4j.message.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StunMessagesTest {
    /** Captured from coturn's turnutils_natdiscovery -m (Debian coturn 4.6.1): a bare Binding request. */
    static final String COTURN_BINDING = "000100002112a44264e7ab6d516fbb1a8f6fc016";
    /** RFC 5780 section 7.2 CHANGE-REQUEST with "change IP" (0x04) and "change port" (0x02). */
    static final String CHANGE_BOTH = "000100082112a442" + "0102030405060708090a0b0c" + "00030004" + "00000006";
    static final String CHANGE_PORT = "000100082112a442" + "0102030405060708090a0b0c" + "00030004" + "00000002";

    /**
     * Captured from coturn 4.6.1 (listening on 127.0.0.1 and 127.0.0.2, ports 23478/23479) answering a client
     * on 127.0.0.1:40404: a plain Binding response, and the answer to CHANGE-REQUEST(IP, port), which came
     * from 127.0.0.2:23479. Both carry XOR-MAPPED-ADDRESS, MAPPED-ADDRESS, RESPONSE-ORIGIN, OTHER-ADDRESS, SOFTWARE.
     */
    static final String COTURN_RESPONSE = "010100482112a4420102030405060708090a0b0c002000080001bcc65e12a443"
            + "0001000800019dd47f000001802b000800015bb67f000001802c000800015bb77f000002"
            + "80220014436f7475726e2d342e362e312027476f72737427";
    static final String COTURN_CHANGED_RESPONSE = "010100482112a4420d0e0f101112131415161718002000080001bcc65e12a443"
            + "0001000800019dd47f000001802b000800015bb77f000002802c000800015bb77f000002"
            + "80220014436f7475726e2d342e362e312027476f72737427";

    @Test
    void readsCoturnsResponses() throws Exception {
        byte[] plain = hex(COTURN_RESPONSE);
        var response = StunMessages.parseResponse(plain, plain.length);
        assertArrayEquals(hex("0102030405060708090a0b0c"), response.transactionId());
        assertEquals(new InetSocketAddress("127.0.0.1", 40404), response.mapped());
        assertEquals(new InetSocketAddress("127.0.0.1", 40404), response.plainMapped());
        assertEquals(new InetSocketAddress("127.0.0.1", 23478), response.responseOrigin());
        assertEquals(new InetSocketAddress("127.0.0.2", 23479), response.otherAddress());
        byte[] changed = hex(COTURN_CHANGED_RESPONSE);
        assertEquals(new InetSocketAddress("127.0.0.2", 23479), StunMessages.parseResponse(changed, changed.length).responseOrigin());
    }

    @Test
    void aRequestIsNotAResponse() {
        byte[] request = hex(COTURN_BINDING);
        var e = assertThrows(StunFormatException.class, () -> StunMessages.parseResponse(request, request.length));
        assertEquals("STUN message type: 0x1 (expected: 0x0101, Binding success response)", e.getMessage());
    }

    static byte[] hex(String text) {
        return HexFormat.of().parseHex(text);
    }

    @Test
    void decodesCoturnsBindingRequest() throws Exception {
        byte[] packet = hex(COTURN_BINDING);
        StunMessages.BindingRequest request = StunMessages.parse(packet, packet.length);
        assertArrayEquals(hex("64e7ab6d516fbb1a8f6fc016"), request.transactionId());
        assertFalse(request.changeIp());
        assertFalse(request.changePort());
    }

    @ParameterizedTest
    @CsvSource({CHANGE_BOTH + ",true,true", CHANGE_PORT + ",false,true"})
    void readsChangeRequestFlags(String packetHex, boolean changeIp, boolean changePort) throws Exception {
        byte[] packet = hex(packetHex);
        StunMessages.BindingRequest request = StunMessages.parse(packet, packet.length);
        assertEquals(changeIp, request.changeIp());
        assertEquals(changePort, request.changePort());
    }

    @Test
    void withASecondAddressSuccessCarriesTheMappedAddressOriginAndOtherAddressButNoSoftware() throws Exception {
        byte[] packet = hex(COTURN_BINDING);
        var request = StunMessages.parse(packet, packet.length);
        InetSocketAddress mapped = new InetSocketAddress("198.18.1.2", 40001);
        byte[] response = StunMessages.success(request, mapped,
                new InetSocketAddress("203.0.113.10", 3478), new InetSocketAddress("203.0.113.11", 3479));
        Message decoded = Message.decode(response, 0, response.length);
        assertEquals(Message.BINDING_SUCCESS_RESPONSE, decoded.getMessageType());
        assertArrayEquals(request.transactionId(), decoded.getTransactionID());
        var xor = (XorMappedAddressAttribute) decoded.getAttribute(Attribute.XOR_MAPPED_ADDRESS);
        assertEquals(mapped, xor.getAddress(request.transactionId()));
        assertArrayEquals(hex("00010d96cb00710a"), ((OptionalAttribute) decoded.getAttribute((char) 0x802B)).getBody());
        assertArrayEquals(hex("00010d97cb00710b"), ((OptionalAttribute) decoded.getAttribute((char) 0x802C)).getBody());
        assertNull(decoded.getAttribute(Attribute.SOFTWARE));
        assertNull(decoded.getAttribute(Attribute.MAPPED_ADDRESS), "a client with the magic cookie reads XOR-MAPPED-ADDRESS");
        assertNull(decoded.getAttribute(Attribute.FINGERPRINT), "the request had none");
        assertEquals(56, response.length);
    }

    /**
     * The reflection a spoofed request buys (docs/security.md, "Limits: hole punching and STUN"): it was 92 bytes
     * (IPv4) and 140 (IPv6) for a bare 20-byte request, 4.6x and 7x; now 32 and 44, 1.6x and 2.2x.
     */
    @ParameterizedTest
    @CsvSource({"198.18.1.2,32", "2001:db8::1,44"})
    void aBareRequestGetsOnlyTheXorMappedAddress(String ip, int expected) throws Exception {
        byte[] packet = hex(COTURN_BINDING);
        byte[] response = StunMessages.success(StunMessages.parse(packet, packet.length),
                new InetSocketAddress(ip, 40001), new InetSocketAddress("127.0.0.1", 3478), null);
        assertEquals(expected, response.length);
        assertTrue(response.length <= 2.2 * packet.length);
        assertEquals(new InetSocketAddress(ip, 40001), StunMessages.parseResponse(response, response.length).mapped());
    }

    @Test
    void anRfc3489RequestGetsTheAddressesItReadsAndAFingerprintIsAnsweredWithOne() throws Exception {
        byte[] classic = hex("00010000" + "0102030405060708090a0b0c0d0e0f10");
        var request = StunMessages.parse(classic, classic.length);
        assertTrue(request.classic());
        byte[] response = StunMessages.success(request, new InetSocketAddress("198.18.1.2", 40001),
                new InetSocketAddress("203.0.113.10", 3478), new InetSocketAddress("203.0.113.11", 3479));
        Message decoded = Message.decode(response, 0, response.length);
        assertNotNull(decoded.getAttribute(Attribute.MAPPED_ADDRESS));
        assertNotNull(decoded.getAttribute(Attribute.SOURCE_ADDRESS));
        assertNotNull(decoded.getAttribute(Attribute.CHANGED_ADDRESS));
        assertNull(decoded.getAttribute(Attribute.XOR_MAPPED_ADDRESS));
        byte[] ours = StunMessages.request(new byte[12], false, false);
        assertEquals(20, ours.length, "no SOFTWARE in our own requests either");
        Message withFingerprint = Message.decode(ours, 0, ours.length);
        withFingerprint.putAttribute(AttributeFactory.createFingerprintAttribute());
        byte[] signed = withFingerprint.encode(null);
        var fingerprinted = StunMessages.parse(signed, signed.length);
        assertFalse(fingerprinted.classic());
        byte[] answer = StunMessages.success(fingerprinted, new InetSocketAddress("198.18.1.2", 40001),
                new InetSocketAddress("127.0.0.1", 3478), null);
        assertNotNull(Message.decode(answer, 0, answer.length).getAttribute(Attribute.FINGERPRINT));
    }

    @Test
    void withoutASecondAddressThereIsNoOtherAddress() throws Exception {
        byte[] packet = hex(COTURN_BINDING);
        byte[] response = StunMessages.success(StunMessages.parse(packet, packet.length),
                new InetSocketAddress("127.0.0.1", 5), new InetSocketAddress("127.0.0.1", 3478), null);
        assertNull(Message.decode(response, 0, response.length).getAttribute((char) 0x802C));
    }

    @ParameterizedTest
    @CsvSource({
        "0001,STUN message length: 2 (expected: >= 20)",
        "0101000c2112a4420102030405060708090a0b0c00200008000112340a000001,'STUN message type: 0x101 (expected: 0x0001, Binding request)'"})
    void refusesWhatIsNotABindingRequest(String packetHex, String why) {
        byte[] packet = hex(packetHex);
        var e = assertThrows(StunFormatException.class, () -> StunMessages.parse(packet, packet.length));
        assertEquals(why, e.getMessage());
    }

    @Test
    void randomAndMutatedPacketsOnlyEverFailWithStunFormatException() {
        Random random = new Random(5780);
        byte[][] seeds = {hex(COTURN_BINDING), hex(CHANGE_BOTH)};
        int parsed = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] packet;
            if (i % 2 == 0) {
                packet = new byte[random.nextInt(64)];
                random.nextBytes(packet);
            } else {
                packet = seeds[random.nextInt(seeds.length)].clone();
                packet[random.nextInt(packet.length)] ^= (byte) (1 << random.nextInt(8));
            }
            try {
                StunMessages.parse(packet, packet.length);
                parsed++;
            } catch (StunFormatException expected) {
                assertFalse(expected.getMessage().isEmpty());
            }
        }
        assertTrue(parsed > 100, "mutations of valid requests should often stay valid, got " + parsed);
    }
}
