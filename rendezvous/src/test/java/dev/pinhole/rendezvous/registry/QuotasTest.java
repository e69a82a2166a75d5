package dev.pinhole.rendezvous.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.protocol.Carries;
import dev.pinhole.protocol.ControlMessage;
import dev.pinhole.protocol.ControlMessage.Candidates;
import dev.pinhole.protocol.ControlMessage.Error;
import dev.pinhole.protocol.ControlMessage.Incoming;
import dev.pinhole.protocol.ControlMessage.Open;
import dev.pinhole.protocol.ControlMessage.Opened;
import dev.pinhole.protocol.ControlMessage.Register;
import dev.pinhole.protocol.ControlMessage.Registered;
import dev.pinhole.protocol.ErrorCode;
import dev.pinhole.rendezvous.Limits;
import dev.pinhole.rendezvous.state.FileStateStore;
import dev.pinhole.rendezvous.state.State.TokenRecord;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Quotas per identity and per token, as a peer meets them: an Error naming the limit. */
class QuotasTest {
    /** A clock the test moves by hand. */
    static final class ManualClock extends Clock {
        Instant now = Instant.parse("2026-11-22T00:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @TempDir Path dir;
    final ManualClock clock = new ManualClock();
    final List<EmbeddedChannel> channels = new ArrayList<>();
    FileStateStore store;

    @AfterEach
    void closeChannels() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    static Limits limits(int sessionsPerPeer, int sessionsPerExposer, double openRate, int openBurst, int names, int services) {
        Limits d = Limits.DEFAULTS;
        return new Limits(d.connectionsPerSource(), d.connections(), d.tlsTimeout(), d.tcpIdle(), sessionsPerPeer,
                sessionsPerExposer, openRate, openBurst, d.candidatesRate(), names, services, d.portsPerPeer(),
                d.webConnectionsPerSource(), d.webConnections());
    }

    Registry registry(Limits limits) {
        store = new FileStateStore(dir);
        return new Registry(store, clock, line -> { }, limits);
    }

    /** Logs in with {@code token}, made a valid token first (a revoked or unknown one is refused every request). */
    Peer login(Registry registry, String id, String token) {
        try {
            if (!store.read().tokens().containsKey(token)) {
                store.update(state -> state.withToken(new TokenRecord(token, "test", "", 0, null, null)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        EmbeddedChannel channel = new EmbeddedChannel();
        channels.add(channel);
        return registry.login(id, token, channel);
    }

    static String errorOf(ControlMessage reply, ErrorCode code) {
        Error error = assertInstanceOf(Error.class, reply);
        assertEquals(code, error.code(), error.message());
        return error.message();
    }

    @Test
    void sessionsOpenAtOnceAreCappedPerPeerAndAClosedOneFreesItsPlace() {
        Registry registry = registry(limits(3, 1024, 1000, 1000, 32, 16));
        Peer exposer = login(registry, "exposer", "t1");
        registry.register(exposer, new Register(1, "web", 80, List.of(), Carries.TCP)).join();
        Peer connector = login(registry, "connector", "t2");
        List<Opened> opened = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            opened.add(assertInstanceOf(Opened.class, registry.openSession(connector, new Open(i, "web"))));
        }
        assertEquals("sessions open at once: 3 (limit per peer; close some, or ask the operator to raise"
                + " --max-sessions-per-peer)", errorOf(registry.openSession(connector, new Open(9, "web")), ErrorCode.LIMIT));
        registry.end(connector, opened.get(0).sessionId(), "done");
        assertInstanceOf(Opened.class, registry.openSession(connector, new Open(10, "web")));
        // Sessions ended by the exposer's drop are given back too.
        registry.drop(exposer);
        Peer again = login(registry, "exposer", "t1");
        registry.register(again, new Register(1, "web", 80, List.of(), Carries.TCP)).join();
        for (int i = 0; i < 3; i++) {
            assertInstanceOf(Opened.class, registry.openSession(connector, new Open(20 + i, "web")));
        }
    }

    @Test
    void aTokenHoldsFourTimesAPeersSessionsHoweverManyKeysItMints() {
        Registry registry = registry(limits(2, 1024, 1000, 1000, 32, 16));
        Peer exposer = login(registry, "exposer", "t1");
        registry.register(exposer, new Register(1, "web", 80, List.of(), Carries.TCP)).join();
        int opened = 0;
        String refusal = null;
        for (int key = 0; key < 10 && refusal == null; key++) {
            Peer fresh = login(registry, "key" + key, "shared");
            for (int i = 0; i < 2; i++) {
                ControlMessage reply = registry.openSession(fresh, new Open(i, "web"));
                if (reply instanceof Error error) {
                    refusal = error.message();
                    break;
                }
                opened++;
            }
        }
        assertEquals(8, opened);
        assertEquals("sessions open at once: 8 (limit per token, 4 x --max-sessions-per-peer; close some)", refusal);
    }

    @Test
    void opensAreRateLimitedPerIdentityAndTheBucketRefills() {
        Registry registry = registry(limits(1000, 1024, 10, 20, 32, 16));
        Peer exposer = login(registry, "exposer", "t1");
        registry.register(exposer, new Register(1, "web", 80, List.of(), Carries.TCP)).join();
        Peer connector = login(registry, "connector", "t2");
        for (int i = 0; i < 20; i++) {
            assertInstanceOf(Opened.class, registry.openSession(connector, new Open(i, "web")));
        }
        assertTrue(errorOf(registry.openSession(connector, new Open(99, "web")), ErrorCode.LIMIT)
                .startsWith("Open rate: 10.0 per second, 20 at once (limit per identity, --open-rate and --open-burst)"));
        clock.now = clock.now.plus(Duration.ofMillis(500));
        for (int i = 0; i < 5; i++) {
            assertInstanceOf(Opened.class, registry.openSession(connector, new Open(100 + i, "web")));
        }
        assertInstanceOf(Error.class, registry.openSession(connector, new Open(200, "web")));
    }

    @Test
    void anExposerTakesAtMostItsCapFromEveryoneAndIsNotAnnouncedMore() {
        Registry registry = registry(limits(1000, 5, 1000, 1000, 32, 16));
        Peer exposer = login(registry, "exposer", "t1");
        registry.register(exposer, new Register(1, "web", 80, List.of(), Carries.TCP)).join();
        for (int i = 0; i < 5; i++) {
            assertInstanceOf(Opened.class, registry.openSession(login(registry, "c" + i, "t" + i), new Open(i, "web")));
        }
        assertTrue(errorOf(registry.openSession(login(registry, "late", "t9"), new Open(1, "web")), ErrorCode.LIMIT)
                .startsWith("sessions open at once to this exposer: 5 (limit per exposer, --max-sessions-per-exposer)"));
        int incoming = 0;
        EmbeddedChannel channel = (EmbeddedChannel) exposer.channel();
        for (Object message; (message = channel.readOutbound()) != null; ) {
            incoming += message instanceof Incoming ? 1 : 0;
        }
        assertEquals(5, incoming);
    }

    @Test
    void namesOwnedAndServicesExposedAreCappedPerPeer() {
        Registry registry = registry(limits(64, 1024, 10, 20, 3, 2));
        Peer peer = login(registry, "owner", "t1");
        assertInstanceOf(Registered.class, registry.register(peer, new Register(1, "a", 1, List.of(), Carries.TCP)).join());
        assertInstanceOf(Registered.class, registry.register(peer, new Register(2, "b", 1, List.of(), Carries.TCP)).join());
        assertInstanceOf(Registered.class, registry.register(peer, new Register(3, "b", 1, List.of(), Carries.TCP)).join()); // again: no new one
        assertEquals("services exposed at once: 2 (limit per peer; ask the operator to raise --max-services-per-peer)",
                errorOf(registry.register(peer, new Register(4, "c", 1, List.of(), Carries.TCP)).join(), ErrorCode.LIMIT));
        // "c" was claimed before the services quota refused it, and the claim taken back: still two names, so "d"
        // meets the services quota again, not the names one (a refused expose leaves no name, docs/cli.md).
        assertEquals("services exposed at once: 2 (limit per peer; ask the operator to raise --max-services-per-peer)",
                errorOf(registry.register(peer, new Register(5, "d", 1, List.of(), Carries.TCP)).join(), ErrorCode.LIMIT));
        // A reconnect takes its names over without counting twice; "c" is a new name then, the third and last.
        registry.drop(peer);
        Peer back = login(registry, "owner", "t1");
        assertInstanceOf(Registered.class, registry.register(back, new Register(1, "a", 1, List.of(), Carries.TCP)).join());
        assertInstanceOf(Registered.class, registry.register(back, new Register(2, "c", 1, List.of(), Carries.TCP)).join());
        assertTrue(errorOf(registry.register(back, new Register(3, "d", 1, List.of(), Carries.TCP)).join(), ErrorCode.LIMIT)
                .startsWith("names owned: 3 (limit per peer;"));
    }

    @Test
    void candidatesBeyondTheSendersRateAreNotPassedOn() {
        Registry registry = registry(limits(64, 1024, 10, 20, 32, 16));
        Peer exposer = login(registry, "exposer", "t1");
        registry.register(exposer, new Register(1, "web", 80, List.of(), Carries.TCP)).join();
        Peer connector = login(registry, "connector", "t2");
        Opened opened = assertInstanceOf(Opened.class, registry.openSession(connector, new Open(1, "web")));
        SessionReports reports = new SessionReports(registry);
        Candidates candidates = new Candidates(opened.sessionId(), false, new InetSocketAddress("198.51.100.1", 4000), List.of());
        for (int i = 0; i < 100; i++) {
            reports.candidates(connector, candidates);
        }
        int passedOn = 0;
        EmbeddedChannel channel = (EmbeddedChannel) exposer.channel();
        for (Object message; (message = channel.readOutbound()) != null; ) {
            passedOn += message instanceof Candidates ? 1 : 0;
        }
        assertEquals(20, passedOn); // the burst
        assertEquals(80, registry.metrics.droppedSignals.sum());
    }

    /** Opens until the first Error; returns how many were Opened and that Error's message. */
    static String openUntilRefused(Registry registry, Peer connector, int[] opened) {
        for (int i = 0; i < 1000; i++) {
            ControlMessage reply = registry.openSession(connector, new Open(i, "web"));
            if (reply instanceof Error error) {
                return error.message();
            }
            opened[0]++;
        }
        return null;
    }

    @Test
    void connectionsOfOneIdentityShareItsOpenBucketAndAReconnectDoesNotRefillIt() {
        Registry registry = registry(limits(1000, 1024, 10, 20, 32, 16));
        Peer exposer = login(registry, "exposer", "t1");
        registry.register(exposer, new Register(1, "web", 80, List.of(), Carries.TCP)).join();
        Peer first = login(registry, "connector", "t2");
        Peer second = login(registry, "connector", "t2");
        int[] opened = {0};
        for (int i = 0; i < 10; i++) {
            assertInstanceOf(Opened.class, registry.openSession(first, new Open(i, "web")));
            assertInstanceOf(Opened.class, registry.openSession(second, new Open(i, "web")));
        }
        assertTrue(errorOf(registry.openSession(second, new Open(99, "web")), ErrorCode.LIMIT).contains("limit per identity"));
        // Both connections close and the identity comes back at once: its bucket is still empty.
        registry.drop(first);
        registry.drop(second);
        Peer back = login(registry, "connector", "t2");
        assertTrue(openUntilRefused(registry, back, opened).contains("limit per identity"));
        assertEquals(0, opened[0]);
        // Once it has had time to fill, the identity is forgotten and starts again with a full bucket.
        registry.drop(back);
        clock.now = clock.now.plus(Duration.ofSeconds(2));
        assertTrue(openUntilRefused(registry, login(registry, "connector", "t2"), opened).contains("limit per identity"));
        assertEquals(20, opened[0]);
    }

    @Test
    void aTokenOpensAtFourTimesAnIdentitysRateHoweverManyKeysItMints() {
        Registry registry = registry(limits(1000, 1024, 10, 20, 32, 16));
        Peer exposer = login(registry, "exposer", "t1");
        registry.register(exposer, new Register(1, "web", 80, List.of(), Carries.TCP)).join();
        int[] opened = {0};
        String refusal = null;
        for (int key = 0; key < 10 && refusal == null; key++) {
            String message = openUntilRefused(registry, login(registry, "key" + key, "shared"), opened);
            refusal = message.contains("limit per token") ? message : null;
        }
        assertEquals(80, opened[0]);
        assertEquals("Open rate: 40.0 per second, 80 at once (limit per token, 4 x --open-rate and --open-burst); try again"
                + " in a second", refusal);
    }

    @Test
    void candidatesOfOneIdentityShareABucketAcrossItsConnections() {
        Registry registry = registry(limits(64, 1024, 10, 20, 32, 16));
        Peer exposer = login(registry, "exposer", "t1");
        registry.register(exposer, new Register(1, "web", 80, List.of(), Carries.TCP)).join();
        SessionReports reports = new SessionReports(registry);
        for (int connection = 0; connection < 3; connection++) {
            Peer connector = login(registry, "connector", "t2");
            Opened opened = assertInstanceOf(Opened.class, registry.openSession(connector, new Open(1, "web")));
            Candidates candidates = new Candidates(opened.sessionId(), false, new InetSocketAddress("198.51.100.1", 4000),
                    List.of());
            for (int i = 0; i < 20; i++) {
                reports.candidates(connector, candidates);
            }
        }
        int passedOn = 0;
        EmbeddedChannel channel = (EmbeddedChannel) exposer.channel();
        for (Object message; (message = channel.readOutbound()) != null; ) {
            passedOn += message instanceof Candidates ? 1 : 0;
        }
        assertEquals(20, passedOn); // one burst for the identity, not one per connection
        assertEquals(40, registry.metrics.droppedSignals.sum());
    }

    @Test
    void namesOwnedAreCappedPerTokenHoweverManyKeysItMints() {
        Registry registry = registry(limits(64, 1024, 10, 20, 2, 16));
        int claimed = 0;
        String refusal = null;
        for (int key = 0; key < 10 && refusal == null; key++) {
            Peer fresh = login(registry, "key" + key, "shared");
            for (int name = 0; name < 2 && refusal == null; name++) {
                ControlMessage reply = registry.register(fresh, new Register(name, "n" + key + "-" + name, 80, List.of(), Carries.TCP)).join();
                if (reply instanceof Error error) {
                    refusal = errorOf(error, ErrorCode.LIMIT);
                } else {
                    claimed++;
                }
            }
            registry.drop(fresh); // names are owned across connections: dropping frees no quota
        }
        assertEquals(8, claimed);
        assertEquals("names owned: 8 (limit per token, 4 x --max-names-per-peer; reuse one of the token's names, or ask"
                + " the operator to release some: rendezvous names release)", refusal);
        // Another token is not affected.
        assertInstanceOf(Registered.class, registry.register(login(registry, "other", "t2"), new Register(1, "mine", 80, List.of(), Carries.TCP)).join());
    }

    @Test
    void identitiesAndTokensThatLeftAreForgottenOnceTheirBucketsAreFull() {
        Registry registry = registry(limits(64, 1024, 10, 20, 32, 16));
        Peer exposer = login(registry, "exposer", "t1");
        registry.register(exposer, new Register(1, "web", 80, List.of(), Carries.TCP)).join();
        for (int key = 0; key < 1_000; key++) {
            Peer fresh = login(registry, "key" + key, "t2"); // fresh keys of one token, each leaving a bucket not full
            registry.openSession(fresh, new Open(1, "web"));
            registry.drop(fresh);
            clock.now = clock.now.plus(Duration.ofMillis(10));
            // Within the 2 s a bucket takes to fill, 200 keys were active: they, the exposer and the 2 tokens remain.
            assertTrue(registry.rememberedQuotas() <= 200 + 1 + 2, registry.rememberedQuotas() + " remembered");
        }
        clock.now = clock.now.plus(Duration.ofSeconds(2));
        login(registry, "late", "t2");
        assertEquals(2 + 2, registry.rememberedQuotas()); // the exposer, the one just logged in, and their tokens
    }
}
