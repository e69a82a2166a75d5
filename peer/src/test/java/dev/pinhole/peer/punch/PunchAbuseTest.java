package dev.pinhole.peer.punch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.protocol.ControlMessage.Candidates;
import dev.pinhole.protocol.punch.Probe.Ping;
import dev.pinhole.protocol.punch.Probe.Pong;
import dev.pinhole.protocol.punch.Probe.Role;
import dev.pinhole.protocol.punch.ProbeCodec;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A punch cannot be turned against third parties (docs/security.md, "Limits: hole punching and STUN"): what a
 * session partner's Candidates or forged probes make this side send, measured against a recording environment.
 */
class PunchAbuseTest {
    static final InetSocketAddress THEIRS = PunchTest.THEIR_PUBLIC;
    static final InetSocketAddress LAN = new InetSocketAddress("192.168.1.20", 4000);
    static final InetSocketAddress VICTIM = new InetSocketAddress("203.0.113.7", 53);

    final PunchTest.FakeEnv env = new PunchTest.FakeEnv();
    final Punch punch = new Punch(7, Role.EXPOSER, new ProbeCodec(PunchTest.SECRET), env, new Random(1));

    @AfterEach
    void close() {
        punch.close();
    }

    @Test
    void onlyUnicastCandidatesInLanRangesOrOnTheirPublicIpAreProbed() {
        var ignored = List.of(new InetSocketAddress("127.0.0.1", 22), new InetSocketAddress("224.0.0.1", 9),
                new InetSocketAddress("255.255.255.255", 9), new InetSocketAddress("0.0.0.0", 9),
                new InetSocketAddress("fe80::1", 9), VICTIM, new InetSocketAddress("192.168.1.20", 4001));
        var hosts = new ArrayList<InetSocketAddress>(List.of(LAN));
        hosts.addAll(ignored);
        punch.candidates(new Candidates(7, false, THEIRS, hosts));
        env.advance(6_000);
        assertTrue(env.pingsTo(THEIRS) > 0);
        assertEquals(1, env.pingsTo(LAN));
        for (InetSocketAddress address : ignored) {
            assertEquals(0, env.bytesTo(address), address + " is not probed");
        }
    }

    @Test
    void aMulticastReflexiveAddressIsNotProbedEither() {
        punch.candidates(new Candidates(7, true, new InetSocketAddress("239.1.2.3", 5), List.of()));
        env.advance(6_000);
        assertEquals(0, env.sent.size(), "no target, no guesses at a multicast group: " + env.sent.size());
    }

    @Test
    void aLanCandidateGetsOneSmallPingPerCandidatesThatNamesItAtMostOnceASecond() {
        var candidates = new Candidates(7, false, THEIRS, List.of(LAN));
        punch.candidates(candidates);
        for (int i = 0; i < 100; i++) {
            punch.candidates(candidates); // a flood of Candidates within the same second
        }
        env.advance(3_000);
        punch.candidates(candidates);
        env.advance(3_000);
        assertEquals(2, env.pingsTo(LAN));
        assertEquals(2 * ProbeCodec.MAX_LENGTH, env.bytesTo(LAN),
                "51 bytes per Candidates (the message itself is 37 bytes plus framing and TLS)");
    }

    @Test
    void aPongIsAsLargeAsItsPingAndAPingSmallerThanItsPongIsNotAnswered() {
        var from = new InetSocketAddress("198.18.2.2", 40001);
        punch.received(env.main, from, new Ping(7, Role.CONNECTOR, 1), 200);
        assertEquals(200, env.sent.get(0).length());
        assertTrue(env.sent.get(0).probe() instanceof Pong);
        env.sent.clear();
        punch.received(env.main, from, new Ping(7, Role.CONNECTOR, 2), 32); // an unpadded ping: 16 + 16 bytes
        assertEquals(0, env.sent.size(), "a 39-byte pong would be larger than the 32-byte ping");
    }

    @Test
    void aFullSizePingFromAForgedSourceGetsOnlyItsPongBack() {
        punch.candidates(new Candidates(7, false, THEIRS, List.of(LAN)));
        env.sent.clear();
        for (int i = 0; i < 10; i++) {
            punch.received(env.main, VICTIM, new Ping(7, Role.CONNECTOR, 100 + i), ProbeCodec.MAX_DATAGRAM);
        }
        assertEquals(10 * ProbeCodec.MAX_DATAGRAM, env.bytesTo(VICTIM), "1x: a pong each, no triggered ping");
        long before = env.bytesTo(LAN);
        punch.received(env.main, LAN, new Ping(7, Role.CONNECTOR, 200), ProbeCodec.MAX_LENGTH);
        assertEquals(before + 2 * ProbeCodec.MAX_LENGTH, env.bytesTo(LAN),
                "a candidate's host address: its pong and one small ping a second (ReplyOnlyFirewallTest)");
    }

    @Test
    void aReplayedPingIsNotAnswered() {
        Ping ping = new Ping(7, Role.CONNECTOR, 5_000);
        punch.received(env.main, THEIRS, ping, ProbeCodec.MAX_DATAGRAM);
        long pongs = env.sent.stream().filter(s -> s.probe() instanceof Pong).count();
        punch.received(env.main, VICTIM, ping, ProbeCodec.MAX_DATAGRAM);
        punch.received(env.main, THEIRS, ping, ProbeCodec.MAX_DATAGRAM);
        punch.received(env.main, VICTIM, new Ping(7, Role.CONNECTOR, 5_000 - Prober.REPLAY_WINDOW), ProbeCodec.MAX_DATAGRAM);
        assertEquals(pongs, env.sent.stream().filter(s -> s.probe() instanceof Pong).count());
        assertEquals(0, env.bytesTo(VICTIM));
        punch.received(env.main, THEIRS, new Ping(7, Role.CONNECTOR, 4_999), ProbeCodec.MAX_DATAGRAM);
        assertEquals(pongs + 1, env.sent.stream().filter(s -> s.probe() instanceof Pong).count(),
                "a ping that arrives late, but inside the window, is answered");
    }

    @Test
    void pongsToUnverifiedAddressesAreCappedPerSession() {
        for (int i = 0; i < 1_000; i++) {
            punch.received(env.main, new InetSocketAddress("203.0.113.7", 1_000 + i), new Ping(7, Role.CONNECTOR, i),
                    ProbeCodec.MAX_DATAGRAM);
        }
        long sent = env.sent.stream().mapToLong(PunchTest.FakeEnv.Sent::length).sum();
        assertTrue(sent <= ProbeBudget.SESSION_BYTES_PER_SECOND, "within one second: " + sent);
        env.advance(1_000);
        punch.received(env.main, VICTIM, new Ping(7, Role.CONNECTOR, 5_000), ProbeCodec.MAX_DATAGRAM);
        assertEquals(ProbeCodec.MAX_DATAGRAM, env.bytesTo(VICTIM), "the budget refills");
    }

    @Test
    void theNodesBudgetCapsGuessingToo() {
        env.node = new ProbeBudget(1_000);
        Punch other = new Punch(8, Role.EXPOSER, new ProbeCodec(PunchTest.SECRET), env, new Random(2));
        other.candidates(new Candidates(8, true, THEIRS, List.of()));
        env.advance(100);
        other.close();
        long bytes = env.sent.stream().mapToLong(PunchTest.FakeEnv.Sent::length).sum();
        assertTrue(bytes <= 1_100, "a node-wide 1000-byte budget (and 100 a tenth of a second), sent: " + bytes);
        assertFalse(env.sent.isEmpty());
        assertTrue(env.node.refused() > 0);
    }

    @Test
    void birthdaySocketsAreCappedPerNodeAndGivenBackWhenRoundsEnd() {
        env.hard = true;
        env.quota = new SocketQuota(SocketQuota.NODE_SOCKETS);
        List<Punch> sessions = new ArrayList<>();
        for (int id = 10; id < 13; id++) {
            Punch session = new Punch(id, Role.EXPOSER, new ProbeCodec(PunchTest.SECRET), env, new Random(id));
            session.candidates(new Candidates(id, false, THEIRS, List.of())); // the partner claims an easy NAT
            sessions.add(session);
        }
        assertEquals(SocketQuota.NODE_SOCKETS, env.opened.size(), "three sessions, two rounds' worth of sockets");
        env.advance(6_000);
        assertEquals(0, env.quota.open(), "every socket closed and given back when the rounds ended");
        assertEquals(env.opened.size(), env.closed.size());
        sessions.forEach(Punch::close);
    }
}
