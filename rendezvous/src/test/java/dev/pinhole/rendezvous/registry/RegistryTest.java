package dev.pinhole.rendezvous.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.protocol.Carries;
import dev.pinhole.protocol.ControlMessage;
import dev.pinhole.protocol.ControlMessage.Close;
import dev.pinhole.protocol.ControlMessage.Error;
import dev.pinhole.protocol.ControlMessage.Incoming;
import dev.pinhole.protocol.ControlMessage.NatInfo;
import dev.pinhole.protocol.ControlMessage.Open;
import dev.pinhole.protocol.ControlMessage.Opened;
import dev.pinhole.protocol.ControlMessage.PathReport;
import dev.pinhole.protocol.ControlMessage.Register;
import dev.pinhole.protocol.ControlMessage.Registered;
import dev.pinhole.protocol.ControlMessage.Relay;
import dev.pinhole.protocol.ErrorCode;
import dev.pinhole.rendezvous.registry.Registry.PeerView;
import dev.pinhole.rendezvous.registry.Registry.ServiceView;
import dev.pinhole.rendezvous.registry.Registry.SessionView;
import dev.pinhole.rendezvous.state.FileStateStore;
import dev.pinhole.rendezvous.state.State.TokenRecord;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry alone: peers are EmbeddedChannels, no handler, no sockets. */
class RegistryTest {
    static final String ALICE = "sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    static final String BOB = "sha256:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";
    static final String CAROL = "sha256:CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC";
    static final Instant NOW = Instant.parse("2026-11-22T00:00:00Z");

    /** The rendezvous' own connector, as public ingress would be: it records what it hears. */
    static final class RecordingIngress implements IngressConnector {
        final List<Integer> ended = new CopyOnWriteArrayList<>();

        @Override
        public void deliver(List<Relay> packets) {
            packets.forEach(Relay::release);
        }

        @Override
        public void ended(int sessionId) {
            ended.add(sessionId);
        }
    }

    @TempDir Path dir;
    final List<String> log = new CopyOnWriteArrayList<>();
    final List<EmbeddedChannel> channels = new ArrayList<>();
    FileStateStore store;
    Registry registry;

    @BeforeEach
    void setUp() throws Exception {
        store = new FileStateStore(dir);
        store.update(state -> {
            for (String id : List.of("tokA", "tokB", "tokC")) {
                state = state.withToken(new TokenRecord(id, "test", "", 0, null, null));
            }
            return state;
        });
        registry = new Registry(store, Clock.fixed(NOW, ZoneOffset.UTC), log::add);
    }

    @AfterEach
    void closeChannels() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    Peer login(String id) {
        EmbeddedChannel channel = new EmbeddedChannel();
        channels.add(channel);
        return registry.login(id, "tok" + id.charAt(7), channel);
    }

    Peer exposer(String id, String name, int port) {
        Peer peer = login(id);
        assertEquals(new Registered(1, name), registry.register(peer, new Register(1, name, port, List.of(), Carries.TCP)).join());
        return peer;
    }

    static <T> T sent(Peer peer) {
        return ((EmbeddedChannel) peer.channel()).readOutbound();
    }

    /** Bob opens "web", which Alice exposes; Alice's Incoming is read. */
    Opened open(Peer alice, Peer bob) {
        Opened opened = assertInstanceOf(Opened.class, registry.openSession(bob, new Open(7, "web")));
        assertInstanceOf(Incoming.class, sent(alice));
        return opened;
    }

    @Test
    void twoIdentitiesRacingForANewNameLeaveExactlyOneOwner() throws Exception {
        Peer alice = login(ALICE);
        Peer bob = login(BOB);
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            List<Future<ControlMessage>> replies = new ArrayList<>();
            for (Peer peer : List.of(alice, bob)) {
                Callable<ControlMessage> register = () -> {
                    start.await();
                    return registry.register(peer, new Register(1, "web", 80, List.of(), Carries.TCP)).join();
                };
                replies.add(threads.submit(register));
            }
            start.countDown();
            ControlMessage first = replies.get(0).get();
            ControlMessage second = replies.get(1).get();
            Peer winner = first instanceof Registered ? alice : bob;
            ControlMessage refused = first instanceof Registered ? second : first;
            assertEquals(ErrorCode.NAME_TAKEN, assertInstanceOf(Error.class, refused).code());
            assertEquals(List.of(new ServiceView("web", winner.id(), 80)), registry.services());
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void aNewerConnectionOfTheOwnerTakesTheNameOverAndTheOldOnesDropDoesNotFreeIt() {
        Peer old = exposer(ALICE, "web", 80);
        Peer newer = exposer(ALICE, "web", 8080);
        assertTrue(log.contains("service 'web' moved to a newer connection of " + ALICE), log.toString());
        registry.drop(old);
        assertSame(newer, registry.exposerOf("web").orElseThrow());
        assertEquals(List.of(new ServiceView("web", ALICE, 8080)), registry.services());
    }

    @Test
    void aNameIsOfflineWhenItsOwnerDropsButStaysItsOwners() {
        Peer alice = exposer(ALICE, "web", 80);
        registry.drop(alice);
        assertTrue(registry.exposerOf("web").isEmpty());
        assertTrue(log.contains("service 'web' offline"), log.toString());
        Peer bob = login(BOB);
        assertEquals(new Error(7, ErrorCode.UNKNOWN_NAME, "service 'web' is known but its peer is offline"),
                registry.openSession(bob, new Open(7, "web")));
        assertEquals(ErrorCode.NAME_TAKEN, assertInstanceOf(Error.class, registry.register(bob, new Register(2, "web", 80, List.of(), Carries.TCP)).join()).code());
    }

    @Test
    void aSessionEndedByTheConnectorIsClosedForTheExposer() {
        Peer alice = exposer(ALICE, "web", 80);
        Peer bob = login(BOB);
        Opened opened = open(alice, bob);
        registry.end(bob, opened.sessionId(), "bye");
        assertEquals(new Close(opened.sessionId(), "bye"), sent(alice));
        assertTrue(registry.sessions().isEmpty());
        assertTrue(alice.sessions().isEmpty() && bob.sessions().isEmpty());
    }

    @Test
    void aSessionEndedByTheExposerIsClosedForTheConnector() {
        Peer alice = exposer(ALICE, "web", 80);
        Peer bob = login(BOB);
        Opened opened = open(alice, bob);
        registry.end(alice, opened.sessionId(), "service stopped");
        assertEquals(new Close(opened.sessionId(), "service stopped"), sent(bob));
        assertTrue(registry.sessions().isEmpty());
        registry.end(bob, opened.sessionId(), "late");
        assertNull(sent(alice), "a session ends once");
    }

    @Test
    void onlyASessionsOwnPeersCanEndIt() {
        Peer alice = exposer(ALICE, "web", 80);
        Peer bob = login(BOB);
        Opened opened = open(alice, bob);
        registry.end(login(CAROL), opened.sessionId(), "hijack");
        assertEquals(1, registry.sessions().size());
        assertNull(sent(alice));
        assertNull(sent(bob));
    }

    @Test
    void aDroppedPeersRelayedSessionsEndAndItsDirectOnesAreLeftToTheOtherPeer() {
        Peer alice = exposer(ALICE, "web", 80);
        Peer bob = login(BOB);
        Opened relayed = open(alice, bob);
        Opened direct = open(alice, bob);
        new SessionReports(registry).path(bob, new PathReport(direct.sessionId(), true));
        registry.drop(alice);
        assertEquals(new Close(relayed.sessionId(), "the other peer disconnected"), sent(bob));
        assertNull(sent(bob), "the direct session goes on without the rendezvous");
        assertTrue(registry.sessions().isEmpty());
        assertTrue(bob.sessions().isEmpty());
        assertEquals(List.of(BOB), registry.peers().stream().map(PeerView::id).toList());
    }

    @Test
    void anIngressSessionIsAnnouncedWithTheRendezvousKeyAndEndsFromEitherSide() {
        Peer alice = exposer(ALICE, "web", 80);
        RecordingIngress ingress = new RecordingIngress();
        RelaySession byExposer = registry.openIngressSession("web", "sha256:RENDEZVOUS", ingress).orElseThrow();
        Incoming incoming = sent(alice);
        assertEquals("sha256:RENDEZVOUS", incoming.peerKey());
        assertEquals(byExposer.id(), incoming.sessionId());
        assertNull(byExposer.connector());

        registry.end(alice, byExposer.id(), "service stopped");
        assertEquals(List.of(byExposer.id()), ingress.ended);

        RelaySession byIngress = registry.openIngressSession("web", "sha256:RENDEZVOUS", ingress).orElseThrow();
        sent(alice);
        registry.endIngressSession(byIngress.id(), "ingress session closed");
        assertEquals(new Close(byIngress.id(), "ingress session closed"), sent(alice));
        assertEquals(List.of(byExposer.id()), ingress.ended, "the ingress is not told what it did itself");
        assertTrue(registry.sessions().isEmpty());
        assertTrue(alice.sessions().isEmpty());
    }

    @Test
    void anIngressSessionEndsWhenItsExposerDropsAndAnOfflineServiceGetsNone() {
        Peer alice = exposer(ALICE, "web", 80);
        RecordingIngress ingress = new RecordingIngress();
        RelaySession session = registry.openIngressSession("web", "sha256:RENDEZVOUS", ingress).orElseThrow();
        registry.drop(alice);
        assertEquals(List.of(session.id()), ingress.ended);
        assertTrue(registry.openIngressSession("web", "sha256:RENDEZVOUS", ingress).isEmpty());
        assertTrue(registry.sessions().isEmpty());
    }

    @Test
    void anExposerWhoseConnectionClosedIsOfflineBeforeItsDropRuns() {
        Peer alice = exposer(ALICE, "web", 80);
        alice.channel().close(); // its drop would run next, on its own event loop
        Peer bob = login(BOB);
        assertEquals(ErrorCode.UNKNOWN_NAME, assertInstanceOf(Error.class, registry.openSession(bob, new Open(7, "web"))).code());
        assertTrue(registry.openIngressSession("web", "sha256:RENDEZVOUS", new RecordingIngress()).isEmpty());
        assertTrue(registry.sessions().isEmpty());
    }

    @Test
    void aSessionOpenedWhileItsExposerIsBeingDroppedIsTakenBack() {
        Peer alice = exposer(ALICE, "web", 80);
        alice.markDropped(); // its drop has begun on the other event loop but not reached its services yet
        Peer bob = login(BOB);
        assertEquals(ErrorCode.UNKNOWN_NAME, assertInstanceOf(Error.class, registry.openSession(bob, new Open(7, "web"))).code());
        assertTrue(registry.openIngressSession("web", "sha256:RENDEZVOUS", new RecordingIngress()).isEmpty());
        assertTrue(registry.sessions().isEmpty());
        assertTrue(alice.sessions().isEmpty() && bob.sessions().isEmpty());
        assertNull(sent(alice), "no Incoming for a session that is gone");
    }

    @Test
    void anExposerDroppedRightAfterTheOpenLeavesTheConnectorAClose() {
        Peer alice = exposer(ALICE, "web", 80);
        Peer bob = login(BOB);
        Opened opened = open(alice, bob);
        registry.drop(alice);
        assertEquals(new Close(opened.sessionId(), "the other peer disconnected"), sent(bob));
        assertNull(registry.session(opened.sessionId()));
    }

    @Test
    void theExposersHardnessReachesTheConnectorUnlessIpv6CanReachIt() {
        Peer alice = exposer(ALICE, "web", 80);
        Peer bob = login(BOB);
        registry.reportNat(alice, new NatInfo(true, true, false, false));
        assertTrue(open(alice, bob).exposerHard());
        registry.reportNat(alice, new NatInfo(true, true, true, false));
        assertFalse(open(alice, bob).exposerHard());
    }

    @Test
    void aRelayOnlyExposerIsSaidSoToItsConnectors() {
        Peer alice = exposer(ALICE, "web", 80);
        Peer bob = login(BOB);
        assertFalse(open(alice, bob).exposerRelayOnly());
        registry.reportNat(alice, new NatInfo(false, false, false, true));
        assertTrue(open(alice, bob).exposerRelayOnly());
        assertEquals(NatKind.RELAY_ONLY, alice.nat());
    }

    @Test
    void viewsShowWhoIsOnlineTheirServicesAndSessions() {
        Peer alice = exposer(ALICE, "web", 8080);
        assertEquals(new Registered(2, "db"), registry.register(alice, new Register(2, "DB", 5432, List.of(), Carries.TCP)).join());
        registry.reportNat(alice, new NatInfo(true, false, false, false));
        Peer bob = login(BOB);
        registry.reportNat(bob, new NatInfo(false, false, false, false));
        Opened opened = open(alice, bob);
        RelaySession session = registry.session(opened.sessionId());
        session.relayed(1200);
        session.reportBytes(5000);
        RelaySession ingress = registry.openIngressSession("db", "sha256:RENDEZVOUS", new RecordingIngress()).orElseThrow();

        assertEquals(List.of(new PeerView(ALICE, "tokA", NatKind.EASY, NOW.toEpochMilli()),
                        new PeerView(BOB, "tokB", NatKind.NO_UDP, NOW.toEpochMilli())),
                registry.peers().stream().sorted((a, b) -> a.id().compareTo(b.id())).toList());
        assertEquals(List.of(new ServiceView("db", ALICE, 5432), new ServiceView("web", ALICE, 8080)), registry.services());
        assertEquals(List.of(new SessionView(ingress.id(), "db", null, false, 0, 0, NOW.toEpochMilli()),
                        new SessionView(opened.sessionId(), "web", BOB, false, 5000, 1200, NOW.toEpochMilli())),
                registry.sessions().stream().sorted((a, b) -> a.service().compareTo(b.service())).toList());
        assertEquals("no-udp-easy", session.natPair());
    }
}
