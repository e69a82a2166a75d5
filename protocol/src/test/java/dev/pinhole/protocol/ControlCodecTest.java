package dev.pinhole.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.protocol.ControlMessage.Candidates;
import dev.pinhole.protocol.ControlMessage.Close;
import dev.pinhole.protocol.ControlMessage.Error;
import dev.pinhole.protocol.ControlMessage.Hello;
import dev.pinhole.protocol.ControlMessage.Incoming;
import dev.pinhole.protocol.ControlMessage.ListNames;
import dev.pinhole.protocol.ControlMessage.NameReleased;
import dev.pinhole.protocol.ControlMessage.Names;
import dev.pinhole.protocol.ControlMessage.NatInfo;
import dev.pinhole.protocol.ControlMessage.Open;
import dev.pinhole.protocol.ControlMessage.Opened;
import dev.pinhole.protocol.ControlMessage.PathReport;
import dev.pinhole.protocol.ControlMessage.Ping;
import dev.pinhole.protocol.ControlMessage.Pong;
import dev.pinhole.protocol.ControlMessage.Publish;
import dev.pinhole.protocol.ControlMessage.Publish.Kind;
import dev.pinhole.protocol.ControlMessage.Published;
import dev.pinhole.protocol.ControlMessage.Register;
import dev.pinhole.protocol.ControlMessage.Registered;
import dev.pinhole.protocol.ControlMessage.Relay;
import dev.pinhole.protocol.ControlMessage.ReleaseName;
import dev.pinhole.protocol.ControlMessage.Traffic;
import dev.pinhole.protocol.ControlMessage.Welcome;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The bytes of every control message: each type survives a round trip and encodes to the golden bytes its layout
 * line in {@link ControlCodec} promises. Malformed input is {@link ControlCodecMalformedTest}'s.
 */
class ControlCodecTest {
    static final SessionSecret SECRET = new SessionSecret(new byte[32]);
    /** The fingerprint of a digest of 32 zero bytes, as {@code peer id} prints one. */
    static final String ZERO_KEY = "sha256:" + "A".repeat(43);

    static Stream<ControlMessage> messages() {
        return Stream.of(
                new Hello(ControlMessage.VERSION, "pht_0011aabb_secret", "pinhole-peer/0.1"),
                new Welcome(ControlMessage.VERSION, "sha256:abc", "pinhole-rendezvous/0.1", 3478, 3479),
                new Error(7, ErrorCode.NAME_TAKEN, "name 'x' belongs to another identity"),
                new Register(3, "mypc", 8080, List.of(), Carries.TCP),
                new Register(3, "game", 19132, List.of(), Carries.UDP),
                new Register(3, "game", 25565, List.of(), Carries.TCP_AND_UDP),
                new Register(3, "mypc", 8080, List.of(new AllowedPeer.Key(ZERO_KEY), new AllowedPeer.Label("ci runner ✓")), Carries.TCP),
                new Registered(3, "mypc"),
                new Open(4, "mypc"),
                new Opened(4, 0xcafebabe, "mypc", "sha256:key", 65535, SECRET, true, false, Carries.TCP),
                new Opened(4, 0xcafebabe, "mypc", "sha256:key", 65535, SECRET, false, true, Carries.TCP),
                new Opened(4, 0xcafebabe, "game", "sha256:key", 19132, SECRET, false, false, Carries.UDP),
                new NatInfo(true, false, false, false),
                new PathReport(0xcafebabe, true),
                Publish.tcp(5, "mypc", 20005),
                new Publish(6, "mypc", Kind.HTTP, 0, "ann:s3cret:with:colons",
                        List.of(Cidr.parse("203.0.113.0/24"), Cidr.parse("2001:db8::/32")), ""),
                new Publish(7, "mypc", Kind.HTTPS, 0, "", List.of(Cidr.parse("198.18.0.1")), ""),
                new Publish(8, "mypc", Kind.HTTP, 0, "", List.of(), "localhost:5173"),
                Publish.http(9, "mypc"),
                Publish.https(10, "mypc"),
                Publish.udp(11, "mypc", 0),
                new Published(11, "mypc", "udp://203.0.113.10:30000"),
                new Published(5, "mypc", "tcp://203.0.113.10:20005"),
                new Traffic(5, 0, Long.MAX_VALUE),
                new NatInfo(false, true, false, false),
                new NatInfo(true, true, true, false),
                new NatInfo(false, false, false, true),
                new Incoming(0x7fffffff, "mypc", "sha256:other", SECRET),
                new Candidates(3, true, new InetSocketAddress("198.18.1.2", 40001),
                        List.of(new InetSocketAddress("198.19.1.2", 5000), new InetSocketAddress("2001:db8::1", 65535))),
                new Candidates(3, false, null, List.of()),
                new Close(9, "the other peer disconnected"),
                new Ping(Long.MIN_VALUE),
                new Pong(42),
                new Hello(1, "", "ünïcödé ✓"),
                // Name messages (peer names, peer release)
                new ListNames(11),
                new Names(11, 2, List.of(new Names.Entry("nas", "0011aabb", 1_700_000_000L, true),
                        new Names.Entry("old", "", 0, false))),
                new Names(12, 0, List.of()),
                new ReleaseName(13, "nas"),
                new NameReleased(13, "nas"));
    }

    @ParameterizedTest
    @MethodSource("messages")
    void everyMessageSurvivesARoundTrip(ControlMessage message) {
        ByteBuf buf = Unpooled.buffer();
        ControlCodec.encode(message, buf);
        assertEquals(message, ControlCodec.decode(buf));
        buf.release();
    }

    static final SessionSecret SHORT_SECRET = new SessionSecret(new byte[] {1, 2, 3, 4});

    /**
     * Every message type as bytes on the wire, one field group a line. A round trip cannot catch a layout change
     * made on both sides at once (old peers would break); these bytes can. The 4-byte frame length before each
     * body is {@link FrameEncoder}'s. Strings are u16 length + UTF-8; u32/u64 are big-endian.
     */
    static Stream<Arguments> golden() {
        return Stream.of(
                golden(new Hello(2, "tok", "p/1"),
                        "01"                            // type 1: Hello
                        + "0002"                        // u16 version 2 (ControlMessage.VERSION)
                        + "0003" + "746f6b"             // string token "tok"
                        + "0003" + "702f31"),           // string software "p/1"
                golden(new Welcome(2, "sha256:k1", "rv/1", 3478, 3479),
                        "02"                            // type 2: Welcome
                        + "0002"                        // u16 version 2
                        + "0009" + "7368613235363a6b31" // string peer id "sha256:k1"
                        + "0004" + "72762f31"           // string software "rv/1"
                        + "0d96"                        // u16 STUN port 3478
                        + "0d97"),                      // u16 STUN alternate port 3479
                golden(new Error(7, ErrorCode.NAME_TAKEN, "taken"),
                        "03"                            // type 3: Error
                        + "00000007"                    // u32 request id 7
                        + "000a" + "4e414d455f54414b454e" // string code, by name: "NAME_TAKEN"
                        + "0005" + "74616b656e"),       // string message "taken"
                golden(new Error(0, ErrorCode.TOKEN_REVOKED, "revoked"), // fatal to the peer: ends every session
                        "03"                            // type 3: Error
                        + "00000000"                    // u32 request id 0: about the connection
                        + "000d" + "544f4b454e5f5245564f4b4544" // string code, by name: "TOKEN_REVOKED"
                        + "0007" + "7265766f6b6564"),   // string message "revoked"
                golden(new Register(3, "web", 8080, List.of(), Carries.TCP),
                        "04"                            // type 4: Register
                        + "00000003"                    // u32 request id 3
                        + "0003" + "776562"             // string name "web"
                        + "1f90"                        // u16 port 8080
                        + "00"                          // u8 allowed peer count 0: any peer of the rendezvous
                        + "01"),                        // u8 carries 1: TCP
                golden(new Register(5, "game", 19132, List.of(), Carries.TCP_AND_UDP),
                        "04"                            // type 4: Register
                        + "00000005"                    // u32 request id 5
                        + "0004" + "67616d65"           // string name "game"
                        + "4abc"                        // u16 port 19132
                        + "00"                          // u8 allowed peer count 0: any peer of the rendezvous
                        + "03"),                        // u8 carries 3: TCP and UDP on one name (docs/udp.md)
                golden(new Register(4, "web", 22, List.of(new AllowedPeer.Key(ZERO_KEY), new AllowedPeer.Label("alice")), Carries.TCP),
                        "04"                            // type 4: Register
                        + "00000004"                    // u32 request id 4
                        + "0003" + "776562"             // string name "web"
                        + "0016"                        // u16 port 22
                        + "02"                          // u8 allowed peer count 2
                        + "0032" + "7368613235363a" + "41".repeat(43) // string key fingerprint "sha256:AAA...A"
                        + "000b" + "6c6162656c3a616c696365" // string "label:alice": the peers of tokens labelled alice
                        + "01"),                        // u8 carries 1: TCP
                golden(new Registered(3, "web"),
                        "05"                            // type 5: Registered
                        + "00000003"                    // u32 request id 3
                        + "0003" + "776562"),           // string name "web"
                golden(new Open(4, "web"),
                        "06"                            // type 6: Open
                        + "00000004"                    // u32 request id 4
                        + "0003" + "776562"),           // string name "web"
                golden(new Opened(4, 0xcafebabe, "web", "k", 8080, SHORT_SECRET, true, false, Carries.TCP),
                        "07"                            // type 7: Opened
                        + "00000004"                    // u32 request id 4
                        + "cafebabe"                    // u32 session id
                        + "0003" + "776562"             // string name "web"
                        + "0001" + "6b"                 // string exposer key "k"
                        + "1f90"                        // u16 port 8080
                        + "0004" + "01020304"           // bytes secret: u16 length 4 (32 in practice), the bytes
                        + "01"                          // u8 exposer flags: bit 0 hard
                        + "01"),                        // u8 carries 1: TCP
                golden(new Opened(4, 0xcafebabe, "web", "k", 8080, SHORT_SECRET, false, true, Carries.TCP),
                        "07"                            // type 7: Opened
                        + "00000004"                    // u32 request id 4
                        + "cafebabe"                    // u32 session id
                        + "0003" + "776562"             // string name "web"
                        + "0001" + "6b"                 // string exposer key "k"
                        + "1f90"                        // u16 port 8080
                        + "0004" + "01020304"           // bytes secret: u16 length 4, the bytes
                        + "02"                          // u8 exposer flags: bit 1 relay only (--relay-only)
                        + "01"),                        // u8 carries 1: TCP
                golden(new Opened(4, 0xcafebabe, "web", "k", 8080, SHORT_SECRET, false, false, Carries.UDP),
                        "07"                            // type 7: Opened
                        + "00000004"                    // u32 request id 4
                        + "cafebabe"                    // u32 session id
                        + "0003" + "776562"             // string name "web"
                        + "0001" + "6b"                 // string exposer key "k"
                        + "1f90"                        // u16 port 8080
                        + "0004" + "01020304"           // bytes secret: u16 length 4, the bytes
                        + "00"                          // u8 exposer flags: none
                        + "02"),                        // u8 carries 2: UDP only
                golden(new Incoming(0xcafebabe, "web", "k", SHORT_SECRET),
                        "08"                            // type 8: Incoming
                        + "cafebabe"                    // u32 session id
                        + "0003" + "776562"             // string name "web"
                        + "0001" + "6b"                 // string connector key "k"
                        + "0004" + "01020304"),         // bytes secret: u16 length 4, the bytes
                golden(new Relay(5, 1200, Unpooled.wrappedBuffer(new byte[] {1, 2, 3})),
                        "09"                            // type 9: Relay
                        + "00000005"                    // u32 session id 5
                        + "04b0"                        // u16 segment size 1200 (0: one packet)
                        + "010203"),                    // payload: the rest of the frame
                golden(new Close(5, "bye"),
                        "0a"                            // type 10: Close
                        + "00000005"                    // u32 session id 5
                        + "0003" + "627965"),           // string reason "bye"
                golden(new Ping(0x0102030405060708L),
                        "0b"                            // type 11: Ping
                        + "0102030405060708"),          // u64 nonce
                golden(new Pong(-1),
                        "0c"                            // type 12: Pong
                        + "ffffffffffffffff"),          // u64 nonce
                golden(new Candidates(3, true, new InetSocketAddress("198.18.1.2", 40001),
                                List.of(new InetSocketAddress("198.19.1.2", 5000), new InetSocketAddress("2001:db8::1", 443))),
                        "0d"                            // type 13: Candidates
                        + "00000003"                    // u32 session id 3
                        + "03"                          // u8 flags: bit 0 hard, bit 1 reflexive present
                        + "04" + "c6120102" + "9c41"    // reflexive: family 4, 198.18.1.2, port 40001
                        + "02"                          // u8 host count 2
                        + "04" + "c6130102" + "1388"    // host: family 4, 198.19.1.2, port 5000
                        + "06" + "20010db8000000000000000000000001" + "01bb"), // host: family 6, 2001:db8::1, port 443
                golden(new Candidates(3, false, null, List.of()),
                        "0d"                            // type 13: Candidates
                        + "00000003"                    // u32 session id 3
                        + "00"                          // u8 flags: not hard, no reflexive address
                        + "00"),                        // u8 host count 0
                golden(new NatInfo(true, false, true, false),
                        "0e"                            // type 14: NatInfo
                        + "05"),                        // u8 flags: bit 0 UDP works, bit 1 hard, bit 2 IPv6 hosts
                golden(new NatInfo(false, false, false, true),
                        "0e"                            // type 14: NatInfo
                        + "08"),                        // u8 flags: bit 3 relay only (--relay-only: no STUN, no probes)
                golden(new PathReport(0xcafebabe, true),
                        "0f"                            // type 15: PathReport
                        + "cafebabe"                    // u32 session id
                        + "01"),                        // u8 direct: 1
                golden(Publish.tcp(5, "web", 20005),
                        "10"                            // type 16: Publish
                        + "00000005"                    // u32 request id 5
                        + "0003" + "776562"             // string name "web"
                        + "01"                          // u8 kind 1: TCP
                        + "4e25"                        // u16 port 20005 (0: any the operator allows)
                        + "0000"                        // string basic auth: empty, none
                        + "00"                          // u8 allow count 0: everyone
                        + "0000"),                      // string host header: empty, the visitor's
                golden(new Publish(6, "web", Kind.HTTP, 0, "ann:pw",
                                List.of(Cidr.parse("203.0.113.0/24"), Cidr.parse("2001:db8::/32")), "localhost:5173"),
                        "10"                            // type 16: Publish
                        + "00000006"                    // u32 request id 6
                        + "0003" + "776562"             // string name "web"
                        + "02"                          // u8 kind 2: HTTP
                        + "0000"                        // u16 port 0
                        + "0006" + "616e6e3a7077"       // string basic auth "ann:pw"
                        + "02"                          // u8 allow count 2
                        + "000e" + "3230332e302e3131332e302f3234" // string block "203.0.113.0/24"
                        + "000d" + "323030313a6462383a3a2f3332"   // string block "2001:db8::/32"
                        + "000e" + "6c6f63616c686f73743a35313733"), // string host header "localhost:5173"
                golden(Publish.https(7, "web"),
                        "10"                            // type 16: Publish
                        + "00000007"                    // u32 request id 7
                        + "0003" + "776562"             // string name "web"
                        + "03"                          // u8 kind 3: HTTPS
                        + "0000" + "0000" + "00" + "0000"), // port 0, no basic auth, no allow list, no host header
                golden(Publish.udp(8, "game", 30000),
                        "10"                            // type 16: Publish
                        + "00000008"                    // u32 request id 8
                        + "0004" + "67616d65"           // string name "game"
                        + "04"                          // u8 kind 4: UDP
                        + "7530"                        // u16 port 30000 (0: any the operator allows)
                        + "0000" + "00" + "0000"),      // no basic auth, no allow list, no host header
                golden(new Published(5, "web", "tcp://rv.example.org:20005"),
                        "11"                            // type 17: Published
                        + "00000005"                    // u32 request id 5
                        + "0003" + "776562"             // string name "web"
                        + "001a" + "7463703a2f2f72762e6578616d706c652e6f72673a3230303035"), // string url
                golden(new Traffic(5, 1, Long.MAX_VALUE),
                        "12"                            // type 18: Traffic
                        + "00000005"                    // u32 session id 5
                        + "0000000000000001"            // u64 bytes sent 1
                        + "7fffffffffffffff"),          // u64 bytes received (cumulative, < 2^63)
                // Name messages (peer names, peer release)
                golden(new ListNames(9),
                        "13"                            // type 19: ListNames
                        + "00000009"),                  // u32 request id 9
                golden(new Names(9, 3, List.of(new Names.Entry("web", "0011aabb", 0x65000000L, true),
                                new Names.Entry("nas", "", 1, false))),
                        "14"                            // type 20: Names
                        + "00000009"                    // u32 request id 9
                        + "00000003"                    // u32 total owned 3 (more than listed is allowed)
                        + "0002"                        // u16 count 2
                        + "0003" + "776562"             // string name "web"
                        + "0008" + "3030313161616262"   // string token id "0011aabb"
                        + "0000000065000000"            // u64 created, epoch seconds
                        + "01"                          // u8 online 1
                        + "0003" + "6e6173"             // string name "nas"
                        + "0000"                        // string token id: empty, none
                        + "0000000000000001"            // u64 created 1
                        + "00"),                        // u8 online 0
                golden(new ReleaseName(9, "web"),
                        "15"                            // type 21: ReleaseName
                        + "00000009"                    // u32 request id 9
                        + "0003" + "776562"),           // string name "web"
                golden(new NameReleased(9, "web"),
                        "16"                            // type 22: NameReleased
                        + "00000009"                    // u32 request id 9
                        + "0003" + "776562"));          // string name "web"
    }

    static Arguments golden(ControlMessage message, String hex) {
        return Arguments.of(message, hex);
    }

    @ParameterizedTest
    @MethodSource("golden")
    void everyMessageEncodesToItsGoldenBytes(ControlMessage message, String hex) {
        ByteBuf encoded = Unpooled.buffer();
        ControlCodec.encode(message, encoded);
        assertEquals(hex, ByteBufUtil.hexDump(encoded));
        ControlMessage decoded = ControlCodec.decode(encoded);
        assertEquals(message, decoded);
        ReferenceCountUtil.release(decoded);
        encoded.release();
    }

    /**
     * The Hello of a version 1 peer (before Register carried an allow list), as it sent it: it still decodes, so the
     * rendezvous can answer UNSUPPORTED_VERSION instead of failing the frame. Hello's layout never changes.
     */
    @Test
    void aHelloFromVersionOneStillDecodes() {
        ByteBuf captured = Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(
                "01" + "0001" + "0003" + "746f6b" + "0012" + "70696e686f6c652d706565722f302e392e30"));
        assertEquals(new Hello(1, "tok", "pinhole-peer/0.9.0"), ControlCodec.decode(captured));
    }

    @Test
    void theGoldenTableHasEveryMessageType() {
        Set<Class<?>> pinned = golden().map(arguments -> arguments.get()[0].getClass()).collect(Collectors.toSet());
        assertEquals(Set.of(ControlMessage.class.getPermittedSubclasses()), pinned);
    }

    @Test
    void publishKindsAreReadBackFromTheirWireByteAndFromNoOtherByte() {
        for (Kind kind : Kind.values()) {
            assertEquals(kind, Kind.valueOf(kind.byteValue()));
        }
        var e = assertThrows(ProtocolException.class, () -> Kind.valueOf(0));
        assertEquals("publish kind: 0 (expected: 1..4)", e.getMessage());
    }

    @Test
    void relayPayloadIsASliceThatTheReceiverReleases() {
        ByteBuf buf = Unpooled.buffer();
        ControlCodec.encode(new Relay(5, 0, Unpooled.wrappedBuffer(new byte[] {1, 2, 3})), buf);
        Relay relay = (Relay) ControlCodec.decode(buf);
        assertEquals(5, relay.sessionId());
        assertEquals("010203", ByteBufUtil.hexDump(relay.payload()));
        buf.release();
        assertEquals(1, relay.refCnt());
        assertTrue(relay.release());
        assertEquals(0, buf.refCnt());
    }
}
