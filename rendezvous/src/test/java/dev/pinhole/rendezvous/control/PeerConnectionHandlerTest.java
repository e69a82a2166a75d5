package dev.pinhole.rendezvous.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.protocol.Carries;
import dev.pinhole.protocol.ControlMessage;
import dev.pinhole.protocol.ControlMessage.Close;
import dev.pinhole.protocol.ControlMessage.Error;
import dev.pinhole.protocol.ControlMessage.Hello;
import dev.pinhole.protocol.ControlMessage.Incoming;
import dev.pinhole.protocol.ControlMessage.Open;
import dev.pinhole.protocol.ControlMessage.Opened;
import dev.pinhole.protocol.ControlMessage.Ping;
import dev.pinhole.protocol.ControlMessage.Pong;
import dev.pinhole.protocol.ControlMessage.Register;
import dev.pinhole.protocol.ControlMessage.Registered;
import dev.pinhole.protocol.ControlMessage.Relay;
import dev.pinhole.protocol.ControlMessage.Welcome;
import dev.pinhole.protocol.ErrorCode;
import dev.pinhole.protocol.FrameDecoder;
import dev.pinhole.rendezvous.DataDir;
import dev.pinhole.rendezvous.registry.Registry;
import dev.pinhole.rendezvous.state.Tokens;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The control state machine, driven message by message on EmbeddedChannels (no TLS, no sockets). */
class PeerConnectionHandlerTest {
    static final String ALICE = "sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    static final String BOB = "sha256:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";
    static final String CAROL = "sha256:CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC";
    static final long LOGIN_TIMEOUT_MILLIS = 5_000;

    @TempDir Path dir;
    final List<String> log = new CopyOnWriteArrayList<>();
    final Clock clock = Clock.fixed(Instant.parse("2026-11-22T00:00:00Z"), ZoneOffset.UTC);
    DataDir data;
    Registry registry;
    String token;

    @BeforeEach
    void setUp() throws Exception {
        data = new DataDir(dir, clock);
        registry = new Registry(data.store(), clock, log::add);
        token = data.createToken("test");
    }

    /** Where every test peer's control connection comes from, as the rendezvous sees it. */
    static final InetSocketAddress PEER_SOURCE = new InetSocketAddress("198.18.2.2", 50123);

    EmbeddedChannel connect(String peerId) {
        EmbeddedChannel channel = new EmbeddedChannel() {
            @Override
            protected SocketAddress remoteAddress0() {
                return PEER_SOURCE;
            }
        };
        channel.freezeTime();
        channel.pipeline().addLast(new FrameDecoder(),
                new PeerConnectionHandler(registry, log::add, LOGIN_TIMEOUT_MILLIS));
        if (peerId != null) {
            channel.pipeline().fireUserEventTriggered(new PeerAuthenticated(peerId));
        }
        return channel;
    }

    EmbeddedChannel login(String peerId) {
        EmbeddedChannel channel = connect(peerId);
        channel.writeInbound(new Hello(ControlMessage.VERSION, token, "test"));
        assertEquals(new Welcome(ControlMessage.VERSION, peerId, PeerConnectionHandler.SOFTWARE, 0, 0), channel.readOutbound());
        return channel;
    }

    static Error error(EmbeddedChannel channel) {
        return assertInstanceOf(Error.class, channel.readOutbound());
    }

    @Test
    void wrongTokenIsRefusedByItsIdAndTheConnectionCloses() {
        EmbeddedChannel channel = connect(ALICE);
        channel.writeInbound(new Hello(ControlMessage.VERSION, "pht_deadbeef_notthesecret", "test"));
        Error refused = error(channel);
        assertEquals(ErrorCode.BAD_TOKEN, refused.code());
        assertTrue(refused.message().contains("token deadbeef"), refused.message());
        assertFalse(refused.message().contains("notthesecret"), "the secret is never echoed");
        assertFalse(channel.isActive());
        assertEquals(1, registry.metrics.authFailures.sum());
    }

    @Test
    void missingTokenIsNamedAsMissing() {
        EmbeddedChannel channel = connect(ALICE);
        channel.writeInbound(new Hello(ControlMessage.VERSION, "", "test"));
        assertTrue(error(channel).message().contains("no token"));
    }

    @Test
    void revokedTokenIsRefused() throws Exception {
        data.revokeToken(Tokens.idOf(token).orElseThrow());
        EmbeddedChannel channel = connect(ALICE);
        channel.writeInbound(new Hello(ControlMessage.VERSION, token, "test"));
        Error refused = error(channel);
        assertEquals(ErrorCode.BAD_TOKEN, refused.code());
        assertEquals("the rendezvous refused token " + Tokens.idOf(token).orElseThrow()
                + ": it was revoked by the operator; ask for a new join code", refused.message());
    }

    /** The review's repro: revoke from another process, then Register and Open on the connection already logged in. */
    @Test
    void aConnectionWhoseTokenWasRevokedCanNoLongerRegisterOrOpen() throws Exception {
        EmbeddedChannel alice = login(ALICE);
        new DataDir(dir, clock).revokeToken(Tokens.idOf(token).orElseThrow()); // `rendezvous token revoke`
        alice.writeInbound(new Register(1, "web", 80, List.of(), Carries.TCP));
        assertEquals(ErrorCode.TOKEN_REVOKED, error(alice).code());
        alice.writeInbound(new Open(2, "web"));
        assertEquals(ErrorCode.TOKEN_REVOKED, error(alice).code());
        registry.stateChanged(data.store().read()); // what the server's poll does next
        Error cut = error(alice);
        assertEquals(new Error(0, ErrorCode.TOKEN_REVOKED, "token " + Tokens.idOf(token).orElseThrow()
                + " was revoked by the operator of the rendezvous; ask for a new join code"), cut);
        alice.writeInbound(new Register(3, "web", 80, List.of(), Carries.TCP));
        assertNull(alice.readOutbound(), "nothing more is served while the connection closes");
        alice.advanceTimeBy(Registry.CUT_GRACE_MILLIS, TimeUnit.MILLISECONDS);
        alice.runScheduledPendingTasks();
        assertFalse(alice.isActive());
        assertTrue(registry.peers().isEmpty(), "dropped once its connection closed");
    }

    @Test
    void otherProtocolVersionIsRefusedWithBothVersionsNamed() {
        EmbeddedChannel channel = connect(ALICE);
        channel.writeInbound(new Hello(3, token, "future"));
        Error refused = error(channel);
        assertEquals(ErrorCode.UNSUPPORTED_VERSION, refused.code());
        assertTrue(refused.message().startsWith("protocol version 3 is not supported (expected: 2)"), refused.message());
    }

    @Test
    void requestsBeforeLoginAreRefused() {
        EmbeddedChannel channel = connect(ALICE);
        channel.writeInbound(new Register(1, "web", 80, List.of(), Carries.TCP));
        assertEquals(ErrorCode.NOT_LOGGED_IN, error(channel).code());
        assertFalse(channel.isActive());
    }

    @Test
    void silentAuthenticatedClientIsDroppedAfterTheLoginTimeout() {
        EmbeddedChannel channel = connect(ALICE);
        channel.advanceTimeBy(LOGIN_TIMEOUT_MILLIS - 1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertTrue(channel.isActive());
        channel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertEquals(ErrorCode.TIMEOUT, error(channel).code());
        assertFalse(channel.isActive());
    }

    @Test
    void clientStalledInTheTlsHandshakeIsClosed() {
        EmbeddedChannel channel = connect(null);
        channel.advanceTimeBy(LOGIN_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertFalse(channel.isActive());
        assertNull(channel.readOutbound());
    }

    @Test
    void malformedFrameGetsAProtocolErrorNamingTheProblem() {
        EmbeddedChannel channel = login(ALICE);
        channel.writeInbound(Unpooled.buffer().writeInt(70_000).writeZero(8));
        Error error = error(channel);
        assertEquals(ErrorCode.PROTOCOL, error.code());
        assertEquals("frame length: 70000 (expected: 1..65535)", error.message());
        assertFalse(channel.isActive());
    }

    @Test
    void heartbeatsAreAnswered() {
        EmbeddedChannel channel = login(ALICE);
        channel.writeInbound(new Ping(99));
        assertEquals(new Pong(99), channel.readOutbound());
    }

    @Test
    void firstIdentityOwnsANameAndOthersGetAClearError() {
        EmbeddedChannel alice = login(ALICE);
        alice.writeInbound(new Register(1, "MyPC", 8080, List.of(), Carries.TCP));
        assertEquals(new Registered(1, "mypc"), alice.readOutbound());
        EmbeddedChannel bob = login(BOB);
        bob.writeInbound(new Register(2, "mypc", 22, List.of(), Carries.TCP));
        Error taken = error(bob);
        assertEquals(ErrorCode.NAME_TAKEN, taken.code());
        assertTrue(taken.message().contains(ALICE), taken.message());
        assertTrue(bob.isActive(), "a refused request does not end the connection");
    }

    @Test
    void ownershipSurvivesARestart() throws Exception {
        login(ALICE).writeInbound(new Register(1, "mypc", 8080, List.of(), Carries.TCP));
        data = new DataDir(dir, clock); // what a restarted server reads
        registry = new Registry(data.store(), clock, log::add);
        EmbeddedChannel bob = login(BOB);
        bob.writeInbound(new Register(2, "mypc", 22, List.of(), Carries.TCP));
        assertEquals(ErrorCode.NAME_TAKEN, error(bob).code());
    }

    @Test
    void invalidNameIsRefused() {
        EmbeddedChannel alice = login(ALICE);
        alice.writeInbound(new Register(1, "my_pc", 8080, List.of(), Carries.TCP));
        Error error = error(alice);
        assertEquals(ErrorCode.BAD_NAME, error.code());
        assertTrue(error.message().contains("DNS label"));
    }

    @Test
    void unknownAndOfflineNamesAreTellApart() {
        EmbeddedChannel alice = login(ALICE);
        alice.writeInbound(new Register(1, "web", 80, List.of(), Carries.TCP));
        alice.readOutbound();
        alice.close();
        EmbeddedChannel bob = login(BOB);
        bob.writeInbound(new Open(5, "nosuch"));
        assertEquals(new Error(5, ErrorCode.UNKNOWN_NAME, "no service named 'nosuch' on this rendezvous"), bob.readOutbound());
        bob.writeInbound(new Open(6, "web"));
        assertEquals(new Error(6, ErrorCode.UNKNOWN_NAME, "service 'web' is known but its peer is offline"), bob.readOutbound());
    }

    /** Alice exposes "web" on 8080, Bob opens a session to it. */
    record Pair(EmbeddedChannel alice, EmbeddedChannel bob, Incoming incoming, Opened opened) {}

    Pair session() {
        EmbeddedChannel alice = login(ALICE);
        alice.writeInbound(new Register(1, "web", 8080, List.of(), Carries.TCP));
        alice.readOutbound();
        EmbeddedChannel bob = login(BOB);
        bob.writeInbound(new Open(7, "web"));
        return new Pair(alice, bob, alice.readOutbound(), bob.readOutbound());
    }

    @Test
    void sessionRelaysPacketsBothWaysAndEndsWhenAPeerLeaves() {
        Pair pair = session();
        EmbeddedChannel alice = pair.alice();
        EmbeddedChannel bob = pair.bob();
        Opened opened = pair.opened();
        assertEquals(new Incoming(opened.sessionId(), "web", BOB, opened.secret()), pair.incoming());
        assertEquals(new Opened(7, opened.sessionId(), "web", ALICE, 8080, opened.secret(), false, false, Carries.TCP), opened);
        assertEquals(32, opened.secret().bytes().length);

        bob.writeInbound(new Relay(opened.sessionId(), 0, Unpooled.wrappedBuffer(new byte[] {1, 2})));
        Relay toAlice = alice.readOutbound();
        assertEquals(2, toAlice.payload().readableBytes());
        toAlice.release();
        alice.writeInbound(new Relay(opened.sessionId(), 0, Unpooled.wrappedBuffer(new byte[] {3})));
        Relay toBob = bob.readOutbound();
        assertEquals(1, toBob.payload().readableBytes());
        toBob.release();

        alice.close();
        assertEquals(new Close(opened.sessionId(), "the other peer disconnected"), bob.readOutbound());
        assertTrue(registry.sessions().isEmpty());
    }

    @Test
    void theExposersNatHardnessReachesTheConnector() {
        EmbeddedChannel alice = login(ALICE);
        alice.writeInbound(new ControlMessage.NatInfo(true, true, false, false));
        alice.writeInbound(new Register(1, "web", 8080, List.of(), Carries.TCP));
        alice.readOutbound();
        EmbeddedChannel bob = login(BOB);
        bob.writeInbound(new Open(7, "web"));
        Opened opened = bob.readOutbound();
        assertTrue(opened.exposerHard());
    }

    @Test
    void candidatesArePassedToTheOtherPeerOfTheSessionOnly() {
        Pair pair = session();
        int id = pair.opened().sessionId();
        var candidates = new ControlMessage.Candidates(id, true, new InetSocketAddress("198.18.2.2", 4000), List.of());
        pair.bob().writeInbound(candidates);
        assertEquals(candidates, pair.alice().readOutbound());
        var back = new ControlMessage.Candidates(id, false, null, List.of(new InetSocketAddress("198.19.1.2", 5000)));
        pair.alice().writeInbound(back);
        assertEquals(back, pair.bob().readOutbound());
        EmbeddedChannel carol = login(CAROL);
        carol.writeInbound(new ControlMessage.Candidates(id, false, null, List.of()));
        assertNull(pair.alice().readOutbound());
        assertNull(pair.bob().readOutbound());
    }

    /** A peer's Candidates steer the other peer's UDP: only addresses the rendezvous can vouch for go on. */
    @Test
    void candidatesPointingAtSomeoneElseAreTrimmedToWhatTheRendezvousCanVouchFor() {
        Pair pair = session();
        int id = pair.opened().sessionId();
        var victim = new InetSocketAddress("203.0.113.7", 53);
        var lan = new InetSocketAddress("192.168.1.20", 4000);
        pair.bob().writeInbound(new ControlMessage.Candidates(id, true, victim, List.of(
                victim, new InetSocketAddress("127.0.0.1", 22), new InetSocketAddress("224.0.0.1", 9),
                new InetSocketAddress("255.255.255.255", 9), new InetSocketAddress("fe80::1", 9),
                lan, new InetSocketAddress("192.168.1.20", 4001))));
        assertEquals(new ControlMessage.Candidates(id, true, null, List.of(lan)), pair.alice().readOutbound(),
                "not the peer's own address (its control connection comes from " + PEER_SOURCE + "), not unicast, "
                        + "not a LAN range, or a second port of one LAN address");
        var predicted = new InetSocketAddress("198.18.2.2", 40002);
        var own = new ControlMessage.Candidates(id, true, new InetSocketAddress("198.18.2.2", 40001), List.of(predicted));
        pair.bob().writeInbound(own);
        assertEquals(own, pair.alice().readOutbound(), "its own public address and predicted ports pass");
    }

    @Test
    void packetsForUnknownSessionsAreDroppedAndTheSenderIsTold() {
        EmbeddedChannel bob = login(BOB);
        var payload = Unpooled.wrappedBuffer(new byte[] {1});
        bob.writeInbound(new Relay(1234, 0, payload));
        assertEquals(0, payload.refCnt());
        assertEquals(new Close(1234, "no such session on the rendezvous"), bob.readOutbound());
    }

    @Test
    void aSlowReceiverLosesPacketsInsteadOfGrowingServerMemory() {
        Pair pair = session();
        EmbeddedChannel alice = pair.alice();
        EmbeddedChannel bob = pair.bob();
        Opened opened = pair.opened();
        alice.config().setWriteBufferWaterMark(new WriteBufferWaterMark(1, 2));
        alice.write(Unpooled.buffer().writeZero(16)); // queued, not flushed: alice is now "slow"
        assertFalse(alice.isWritable());
        var payloads = new ArrayList<ByteBuf>();
        for (int i = 0; i < 100; i++) {
            var payload = Unpooled.buffer().writeZero(1200);
            payloads.add(payload);
            bob.writeInbound(new Relay(opened.sessionId(), 0, payload));
        }
        assertEquals(100, registry.metrics.droppedPackets.sum());
        assertTrue(payloads.stream().allMatch(p -> p.refCnt() == 0), "dropped packets are released");
    }

    @Test
    void onlyTheConnectorReportsASessionsBytesAndReportsOnlyAdd() {
        Pair pair = session();
        int id = pair.opened().sessionId();
        pair.bob().writeInbound(new ControlMessage.Traffic(id, 1000, 5000));
        assertEquals(6000, registry.session(id).bytes());
        pair.alice().writeInbound(new ControlMessage.Traffic(id, 1, 999_999));
        pair.bob().writeInbound(new ControlMessage.Traffic(id, 10, 10));
        assertEquals(6000, registry.session(id).bytes(), "the exposer cannot report, nor a report shrink the count");
        pair.bob().writeInbound(new ControlMessage.Traffic(id + 1, 10, 10));
        assertTrue(pair.bob().isOpen(), "a report for a session that just ended is no error");
    }

    @Test
    void aDirectSessionIsForgottenWithoutEndingItWhenAPeerLeaves() {
        Pair pair = session();
        int id = pair.opened().sessionId();
        pair.bob().writeInbound(new ControlMessage.PathReport(id, true));
        pair.alice().close();
        assertTrue(registry.sessions().isEmpty(), "the rendezvous can no longer relay it");
        assertNull(pair.bob().readOutbound(), "but the peers keep their direct path: no Close");
    }

    @Test
    void pathChangesArePassedOnToTheOtherPeer() {
        Pair pair = session();
        int id = pair.opened().sessionId();
        pair.bob().writeInbound(new ControlMessage.PathReport(id, true));
        assertEquals(new ControlMessage.PathReport(id, true), pair.alice().readOutbound(),
                "a switch: the other side's check of the path waits for it");
        pair.alice().writeInbound(new ControlMessage.PathReport(id, false));
        assertEquals(new ControlMessage.PathReport(id, false), pair.bob().readOutbound());
        EmbeddedChannel carol = login(CAROL);
        carol.writeInbound(new ControlMessage.PathReport(id, false));
        assertNull(pair.alice().readOutbound(), "only the session's peers are heard");
        assertNull(pair.bob().readOutbound());
    }
}
