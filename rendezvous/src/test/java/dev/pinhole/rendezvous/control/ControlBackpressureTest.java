package dev.pinhole.rendezvous.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.protocol.Carries;
import dev.pinhole.protocol.ControlMessage;
import dev.pinhole.protocol.ControlMessage.Error;
import dev.pinhole.protocol.ControlMessage.Hello;
import dev.pinhole.protocol.ControlMessage.Open;
import dev.pinhole.protocol.ControlMessage.Opened;
import dev.pinhole.protocol.ControlMessage.Publish;
import dev.pinhole.protocol.ControlMessage.Register;
import dev.pinhole.protocol.ControlMessage.Relay;
import dev.pinhole.protocol.ErrorCode;
import dev.pinhole.protocol.FrameDecoder;
import dev.pinhole.rendezvous.ConnectionBudget;
import dev.pinhole.rendezvous.DataDir;
import dev.pinhole.rendezvous.Limits;
import dev.pinhole.rendezvous.RateLimitedLog;
import dev.pinhole.rendezvous.ingress.Publisher;
import dev.pinhole.rendezvous.ingress.TcpIngress;
import dev.pinhole.rendezvous.registry.Peer;
import dev.pinhole.rendezvous.registry.Registry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the rendezvous writes to a peer that does not read: courtesy answers are skipped, others are capped. */
class ControlBackpressureTest {
    @TempDir Path dir;
    final List<String> log = new CopyOnWriteArrayList<>();
    final Clock clock = Clock.fixed(Instant.parse("2026-11-22T00:00:00Z"), ZoneOffset.UTC);
    Registry registry;
    Publisher publisher;
    String token;

    @BeforeEach
    void setUp() throws Exception {
        DataDir data = new DataDir(dir, clock);
        registry = new Registry(data.store(), clock, log::add);
        token = data.createToken("test");
        RateLimitedLog strangers = new RateLimitedLog(log::add, System::nanoTime);
        publisher = new Publisher(registry, new TcpIngress(null, "127.0.0.1", "127.0.0.1", null, Limits.DEFAULTS,
                new ConnectionBudget(64, 10_000, strangers), System::nanoTime), null, log::add);
    }

    EmbeddedChannel login(String peerId) {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.pipeline().addLast(new FrameDecoder(), new PeerConnectionHandler(registry, log::add, 5_000, publisher));
        channel.pipeline().fireUserEventTriggered(new PeerAuthenticated(peerId));
        channel.writeInbound(new Hello(ControlMessage.VERSION, token, "test"));
        assertInstanceOf(ControlMessage.Welcome.class, channel.readOutbound());
        return channel;
    }

    /** Leaves {@code size} bytes unflushed in the channel: as if its peer had stopped reading. */
    static void stopReading(EmbeddedChannel channel, int size) {
        channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(1, 2));
        channel.write(Unpooled.buffer().writeZero(size));
        assertFalse(channel.isWritable());
    }

    @Test
    void aSenderThatDoesNotReadIsNotToldOfUnknownSessions() {
        EmbeddedChannel bob = login(PeerConnectionHandlerTest.BOB);
        stopReading(bob, 16);
        for (int i = 0; i < 1000; i++) {
            bob.writeInbound(new Relay(1234, 0, Unpooled.wrappedBuffer(new byte[] {1})));
        }
        bob.flush();
        assertEquals(16, ((ByteBuf) bob.readOutbound()).readableBytes());
        assertNull(bob.readOutbound(), "no Close queued behind what it does not read");
        bob.finishAndReleaseAll();
    }

    @Test
    void anExposerThatDoesNotReadGetsNoMoreIncomingAndTheConnectorIsToldWhy() {
        EmbeddedChannel alice = login(PeerConnectionHandlerTest.ALICE);
        alice.writeInbound(new Register(1, "web", 80, List.of(), Carries.TCP));
        alice.readOutbound();
        stopReading(alice, 16);
        EmbeddedChannel bob = login(PeerConnectionHandlerTest.BOB);
        bob.writeInbound(new Open(1, "web"));
        Error error = assertInstanceOf(Error.class, bob.readOutbound());
        assertEquals(ErrorCode.LIMIT, error.code());
        assertEquals("the exposer is not keeping up with what the rendezvous sends it; try again later", error.message());
        assertTrue(registry.sessions().isEmpty());
        bob.finishAndReleaseAll();
        alice.finishAndReleaseAll();
    }

    @Test
    void aPeerThatLeftMoreThanTheHardLimitUnreadIsClosedNotBufferedFor() {
        EmbeddedChannel alice = login(PeerConnectionHandlerTest.ALICE);
        alice.writeInbound(new Register(1, "web", 80, List.of(), Carries.TCP));
        alice.readOutbound();
        EmbeddedChannel bob = login(PeerConnectionHandlerTest.BOB);
        bob.writeInbound(new Open(1, "web"));
        Opened opened = assertInstanceOf(Opened.class, bob.readOutbound());
        stopReading(alice, (int) Peer.HARD_LIMIT + 1);
        bob.writeInbound(new ControlMessage.Close(opened.sessionId(), "bye"));
        assertFalse(alice.isOpen(), "the exposer is closed rather than sent a Close it will not read");
        bob.finishAndReleaseAll();
        alice.finishAndReleaseAll();
    }

    @Test
    void aPublishWithAnInvalidNameGetsAnErrorAndTheConnectionStays() {
        EmbeddedChannel alice = login(PeerConnectionHandlerTest.ALICE);
        alice.writeInbound(new Publish(3, "-bad-", Publish.Kind.TCP, 0, "", List.of(), ""));
        Error error = assertInstanceOf(Error.class, alice.readOutbound());
        assertEquals(3, error.requestId());
        assertEquals(ErrorCode.BAD_NAME, error.code());
        assertTrue(alice.isOpen());
        alice.finishAndReleaseAll();
    }
}
