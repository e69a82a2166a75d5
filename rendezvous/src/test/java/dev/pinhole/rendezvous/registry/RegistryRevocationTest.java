package dev.pinhole.rendezvous.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.protocol.Carries;
import dev.pinhole.protocol.ControlMessage.Close;
import dev.pinhole.protocol.ControlMessage.Error;
import dev.pinhole.protocol.ControlMessage.Incoming;
import dev.pinhole.protocol.ControlMessage.Open;
import dev.pinhole.protocol.ControlMessage.Opened;
import dev.pinhole.protocol.ControlMessage.PathReport;
import dev.pinhole.protocol.ControlMessage.Register;
import dev.pinhole.protocol.ControlMessage.Registered;
import dev.pinhole.protocol.ErrorCode;
import dev.pinhole.rendezvous.registry.RegistryTest.RecordingIngress;
import dev.pinhole.rendezvous.state.FileStateStore;
import dev.pinhole.rendezvous.state.State;
import dev.pinhole.rendezvous.state.State.TokenRecord;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tokens in the registry: a revoked one is cut off with its sessions, a scoped one reaches only its names. */
class RegistryRevocationTest {
    static final String ALICE = RegistryTest.ALICE;
    static final String BOB = RegistryTest.BOB;
    static final String CAROL = RegistryTest.CAROL;

    @TempDir Path dir;
    final List<String> log = new CopyOnWriteArrayList<>();
    final List<EmbeddedChannel> channels = new ArrayList<>();
    FileStateStore store;
    Registry registry;

    @BeforeEach
    void setUp() throws Exception {
        store = new FileStateStore(dir);
        store.update(s -> s.withToken(token("tokA", null)).withToken(token("tokB", null))
                .withToken(token("tokC", List.of("nas", "nas-*"))));
        registry = new Registry(store, Clock.fixed(RegistryTest.NOW, ZoneOffset.UTC), log::add);
    }

    static TokenRecord token(String id, List<String> names) {
        return new TokenRecord(id, "test", "", 0, null, names);
    }

    @AfterEach
    void closeChannels() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    Peer login(String id) {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.freezeTime();
        channels.add(channel);
        return registry.login(id, "tok" + id.charAt(7), channel);
    }

    static <T> T sent(Peer peer) {
        return ((EmbeddedChannel) peer.channel()).readOutbound();
    }

    State revoke(String tokenId) throws Exception {
        return store.update(s -> s.withToken(s.tokens().get(tokenId).revoked(200)));
    }

    @Test
    void aRevokedTokensPeerIsCutOffAndTheOtherSideOfEachSessionIsToldDirectOnesIncluded() throws Exception {
        Peer alice = login(ALICE);
        assertEquals(new Registered(1, "web"), registry.register(alice, new Register(1, "web", 80, List.of(), Carries.TCP)).join());
        Peer bob = login(BOB);
        Opened relayed = assertInstanceOf(Opened.class, registry.openSession(bob, new Open(2, "web")));
        Opened direct = assertInstanceOf(Opened.class, registry.openSession(bob, new Open(3, "web")));
        new SessionReports(registry).path(bob, new PathReport(direct.sessionId(), true));
        RecordingIngress ingress = new RecordingIngress();
        RelaySession visitor = registry.openIngressSession("web", "sha256:RENDEZVOUS", ingress).orElseThrow();
        assertInstanceOf(Incoming.class, sent(alice));
        assertInstanceOf(Incoming.class, sent(alice));
        assertEquals(new PathReport(direct.sessionId(), true), sent(alice), "bob's switch, passed on");
        assertInstanceOf(Incoming.class, sent(alice));
        assertEquals(List.of(alice), registry.peersWithToken("tokA"));

        registry.stateChanged(revoke("tokA"));

        String reason = "token tokA was revoked by the operator of the rendezvous; ask for a new join code";
        assertEquals(new Error(0, ErrorCode.TOKEN_REVOKED, reason), sent(alice));
        EmbeddedChannel aliceChannel = (EmbeddedChannel) alice.channel();
        aliceChannel.advanceTimeBy(Registry.CUT_GRACE_MILLIS - 1, TimeUnit.MILLISECONDS);
        aliceChannel.runScheduledPendingTasks();
        assertTrue(aliceChannel.isOpen(), "time for the peer to read the Error and close first");
        aliceChannel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        aliceChannel.runScheduledPendingTasks();
        assertFalse(aliceChannel.isOpen(), "then the revoked peer's connection is closed");
        List<Close> told = List.of(sent(bob), sent(bob));
        assertTrue(told.contains(new Close(relayed.sessionId(), "the other peer's token was revoked")), told.toString());
        assertTrue(told.contains(new Close(direct.sessionId(), "the other peer's token was revoked")), told.toString());
        assertEquals(List.of(visitor.id()), ingress.ended);
        assertTrue(registry.sessions().isEmpty());
        assertTrue(bob.channel().isOpen());

        registry.stateChanged(store.read()); // a later poll reports it again: nothing more happens
        assertNull(sent(bob));
    }

    @Test
    void aRevokedTokenCanNeitherRegisterNorOpenBeforeTheCutReachesItsConnection() throws Exception {
        Peer alice = login(ALICE);
        Peer bob = login(BOB);
        assertEquals(new Registered(1, "web"), registry.register(bob, new Register(1, "web", 80, List.of(), Carries.TCP)).join());
        revoke("tokA"); // written by `token revoke`, not yet reported by the poll
        assertEquals(ErrorCode.TOKEN_REVOKED,
                assertInstanceOf(Error.class, registry.register(alice, new Register(2, "db", 5432, List.of(), Carries.TCP)).join()).code());
        assertEquals(ErrorCode.TOKEN_REVOKED, assertInstanceOf(Error.class, registry.openSession(alice, new Open(3, "web"))).code());
        assertNull(sent(bob), "no Incoming for a revoked connector");
    }

    /** The Hello saw the token valid, the poll published the revocation before the peer was added: still cut. */
    @Test
    void aLoginThatRacesTheRevocationIsCutToo() throws Exception {
        revoke("tokA");
        registry.stateChanged(store.read()); // the poll ran before the peer was added: nothing to cut yet
        Peer alice = login(ALICE);
        assertEquals(ErrorCode.TOKEN_REVOKED, assertInstanceOf(Error.class, sent(alice)).code());
        Peer bob = login(BOB);
        assertNull(sent(bob), "a valid token is left be");
    }

    @Test
    void aScopedTokenRegistersAndReachesOnlyItsNames() throws Exception {
        Peer carol = login(CAROL);
        assertEquals(new Registered(1, "nas-backup"), registry.register(carol, new Register(1, "NAS-backup", 445, List.of(), Carries.TCP)).join());
        Error refused = assertInstanceOf(Error.class, registry.register(carol, new Register(2, "web", 80, List.of(), Carries.TCP)).join());
        assertEquals(new Error(2, ErrorCode.NAME_NOT_ALLOWED, "token tokC may not register 'web': it is limited to names"
                + " nas, nas-*; ask the operator for a token that covers it (rendezvous token create --names)"), refused);
        assertFalse(store.read().names().containsKey("web"), "a refused name is not claimed");

        Peer alice = login(ALICE);
        registry.register(alice, new Register(1, "web", 80, List.of(), Carries.TCP)).join();
        Error open = assertInstanceOf(Error.class, registry.openSession(carol, new Open(3, "web")));
        assertEquals(ErrorCode.NAME_NOT_ALLOWED, open.code());
        assertTrue(open.message().startsWith("token tokC may not connect to 'web'"), open.message());
        assertNull(sent(alice), "the exposer never hears of it");
        assertInstanceOf(Opened.class, registry.openSession(alice, new Open(4, "nas-backup")));
    }

    @Test
    void aReleasedNameGoesOfflineAndCanBeClaimedByAnotherIdentity() throws Exception {
        Peer alice = login(ALICE);
        registry.register(alice, new Register(1, "web", 80, List.of(), Carries.TCP)).join();
        assertEquals("tokA", store.read().names().get("web").tokenId(), "the name is bound to the token that registered it");
        registry.stateChanged(store.update(s -> s.withoutName("web"))); // `rendezvous names release web`
        assertTrue(registry.exposerOf("web").isEmpty());
        assertTrue(log.contains("service 'web' offline: its name was released by the operator"), log.toString());
        Peer bob = login(BOB);
        assertEquals(new Registered(2, "web"), registry.register(bob, new Register(2, "web", 8080, List.of(), Carries.TCP)).join());
        assertEquals(BOB, store.read().names().get("web").owner());
    }
}
