package dev.pinhole.rendezvous.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.pinhole.protocol.AllowedPeer;
import dev.pinhole.protocol.Carries;
import dev.pinhole.protocol.ControlMessage.Error;
import dev.pinhole.protocol.ControlMessage.Incoming;
import dev.pinhole.protocol.ControlMessage.Open;
import dev.pinhole.protocol.ControlMessage.Opened;
import dev.pinhole.protocol.ControlMessage.Register;
import dev.pinhole.protocol.ControlMessage.Registered;
import dev.pinhole.protocol.ErrorCode;
import dev.pinhole.rendezvous.state.FileStateStore;
import dev.pinhole.rendezvous.state.State.TokenRecord;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A service's peer allow list at the rendezvous: by key and by token label; the registry alone, no sockets. */
class AccessPolicyTest {
    static final String ALICE = RegistryTest.ALICE;
    static final String BOB = RegistryTest.BOB;
    static final String CAROL = RegistryTest.CAROL;

    @TempDir Path dir;
    final List<EmbeddedChannel> channels = new ArrayList<>();
    Registry registry;

    @BeforeEach
    void setUp() throws Exception {
        FileStateStore store = new FileStateStore(dir);
        store.update(state -> state
                .withToken(new TokenRecord("tokA", "alice", "", 0, null, null))
                .withToken(new TokenRecord("tokB", "friends", "", 0, null, null))
                .withToken(new TokenRecord("tokC", "strangers", "", 0, null, null)));
        registry = new Registry(store, Clock.fixed(Instant.parse("2026-11-22T00:00:00Z"), ZoneOffset.UTC), line -> { });
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

    Peer exposing(String... allowPeers) {
        Peer alice = login(ALICE);
        List<AllowedPeer> allowed = List.of(allowPeers).stream().map(AllowedPeer::parse).toList();
        assertEquals(new Registered(1, "web"), registry.register(alice, new Register(1, "web", 80, allowed, Carries.TCP)).join());
        return alice;
    }

    static Object sent(Peer peer) {
        return ((EmbeddedChannel) peer.channel()).readOutbound();
    }

    @Test
    void aListedKeyOpensASessionAndAnyOtherPeerIsRefusedNamingTheServiceAndItsOwnKey() {
        Peer alice = exposing(BOB);
        assertInstanceOf(Opened.class, registry.openSession(login(BOB), new Open(7, "web")));
        assertInstanceOf(Incoming.class, sent(alice));

        Error refused = assertInstanceOf(Error.class, registry.openSession(login(CAROL), new Open(8, "WEB")));
        assertEquals(new Error(8, ErrorCode.PEER_NOT_ALLOWED, "service 'web' admits only the peers its exposer listed"
                + " (--allow-peer), and this peer's key " + CAROL + " is not one of them; send that key ('peer id' prints"
                + " it) to whoever runs 'web'"), refused);
        assertNull(sent(alice), "the exposer hears nothing of a refused peer");
        assertEquals(1, registry.sessions().size());
    }

    @Test
    void aLabelAdmitsThePeersOfTokensWithThatLabelAndNoOthers() {
        Peer alice = exposing("label:friends");
        assertInstanceOf(Opened.class, registry.openSession(login(BOB), new Open(7, "web")));
        assertInstanceOf(Incoming.class, sent(alice));
        assertEquals(ErrorCode.PEER_NOT_ALLOWED,
                assertInstanceOf(Error.class, registry.openSession(login(CAROL), new Open(8, "web"))).code());
    }

    @Test
    void withoutAListAnyPeerOfTheRendezvousMayConnect() {
        exposing();
        assertInstanceOf(Opened.class, registry.openSession(login(CAROL), new Open(7, "web")));
    }

    @Test
    void registeringAgainReplacesTheList() {
        Peer alice = exposing(BOB);
        assertEquals(new Registered(2, "web"), registry.register(alice,
                new Register(2, "web", 80, List.of(AllowedPeer.parse(CAROL)), Carries.TCP)).join());
        assertInstanceOf(Opened.class, registry.openSession(login(CAROL), new Open(7, "web")));
        assertEquals(ErrorCode.PEER_NOT_ALLOWED,
                assertInstanceOf(Error.class, registry.openSession(login(BOB), new Open(8, "web"))).code());
    }
}
