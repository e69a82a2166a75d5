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
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two peers behind symmetric NATs whose sites also have global IPv6 behind firewalls that only let replies in
 * (RFC 6092), as in NatLabIpv6Test: the exposer's only ping to the connector's IPv6 address goes out before the
 * connector's own ping opened its firewall, and is dropped. The connector's ping then gets through (the exposer's
 * ping opened the exposer's firewall), and the connector goes direct on the pong. The exposer must go direct too,
 * or the connector finds its direct path carries no QUIC and falls back (docs/direct-paths.md).
 */
class ReplyOnlyFirewallTest {
    static final InetSocketAddress THEIR_IPV4 = new InetSocketAddress("203.0.113.20", 40001);
    static final InetSocketAddress THEIR_IPV6 = new InetSocketAddress("2001:db8:2::2", 49068);
    static final InetSocketAddress OUR_IPV6 = new InetSocketAddress("2001:db8:1::2", 49068);

    final PunchTest.FakeEnv env = new PunchTest.FakeEnv();
    final Punch exposer = new Punch(7, Role.EXPOSER, new ProbeCodec(PunchTest.SECRET), env, new Random(1));

    @AfterEach
    void close() {
        exposer.close();
    }

    @Test
    void aPingFromTheirHostAddressIsAnsweredWithAPingOfOursAndBothEndsGoDirect() {
        env.hard = true;
        exposer.candidates(new Candidates(7, true, THEIR_IPV4, List.of(THEIR_IPV6)));
        assertEquals(1, env.pingsTo(THEIR_IPV6), "the round's one ping to their host address (dropped by their firewall)");
        env.advance(300);
        env.sent.clear();

        exposer.received(env.main, THEIR_IPV6, new Ping(7, Role.CONNECTOR, 1), Prober.SMALL);
        assertTrue(env.sent.get(0).probe() instanceof Pong, "the connector's ping is answered");
        assertEquals(1, env.pingsTo(THEIR_IPV6), "and asked back, now that their firewall lets us in");
        PunchTest.FakeEnv.Sent asked = env.sent.get(1);
        assertFalse(asked.padded(), "small: the rendezvous cannot vouch for a host address");

        exposer.received(env.main, THEIR_IPV6, new Pong(7, Role.CONNECTOR, asked.probe().txid(), OUR_IPV6), Prober.SMALL);
        PunchTest.FakeEnv.Sent padded = env.sent.get(env.sent.size() - 1);
        assertTrue(padded.probe() instanceof Ping && padded.padded(), "an answered address is pinged full size");
        exposer.received(env.main, THEIR_IPV6, new Pong(7, Role.CONNECTOR, padded.probe().txid(), OUR_IPV6), Prober.PADDED);
        assertEquals(List.of("direct " + THEIR_IPV6), env.paths);
    }

    @Test
    void aFloodOfPingsFromAHostAddressBuysOneSmallPingASecond() {
        var lan = new InetSocketAddress("192.168.1.20", 4000);
        exposer.candidates(new Candidates(7, false, THEIR_IPV4, List.of(lan)));
        env.sent.clear();
        for (int second = 0; second < 3; second++) {
            for (int i = 0; i < 50; i++) {
                exposer.received(env.main, lan, new Ping(7, Role.CONNECTOR, second * 100L + i), ProbeCodec.MAX_LENGTH);
            }
            env.advance(1_000);
        }
        long pongs = env.sent.stream().filter(s -> s.probe() instanceof Pong && s.to().equals(lan)).count();
        assertEquals(150, pongs, "each ping its pong, no larger than the ping");
        assertEquals(3, env.pingsTo(lan), "one small ping a second (the round pings host addresses once per Candidates)");
        assertEquals(153L * ProbeCodec.MAX_LENGTH, env.bytesTo(lan));
    }
}
