package dev.pinhole.peer.punch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.protocol.punch.Probe.Ping;
import dev.pinhole.protocol.punch.Probe.Pong;
import dev.pinhole.protocol.punch.Probe.Role;
import dev.pinhole.protocol.punch.ProbeCodec;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The QUIC-level check waits for the other side (docs/direct-paths.md, "Adopting a path"): on a busy machine the
 * other side can take seconds to switch after this one, and until it has, its QUIC comes over the relay. Judging
 * the path then (as the check once did, 4 s after this side's switch) sent good paths back to the relay under load.
 */
class DirectCheckTest {
    final PunchTest.FakeEnv env = new PunchTest.FakeEnv();
    final Punch punch = new Punch(7, Role.CONNECTOR, new ProbeCodec(PunchTest.SECRET), env, new Random(1));

    @AfterEach
    void close() {
        punch.close();
    }

    void goDirect() {
        punch.start();
        punch.candidates(PunchTest.theirs(false));
        Ping ping = (Ping) env.sent.get(0).probe();
        punch.received(env.main, PunchTest.THEIR_PUBLIC, new Pong(7, Role.EXPOSER, ping.txid(), PunchTest.OUR_PUBLIC), true);
        assertEquals(List.of("direct " + PunchTest.THEIR_PUBLIC), env.paths);
    }

    /** QUIC arrives over the relay only, {@code seconds} times 20 packets a second. */
    void relayedFor(int seconds) {
        for (int i = 0; i < seconds; i++) {
            env.quic[0] += 20;
            env.advance(1_000);
        }
    }

    @Test
    void aSlowOtherSideIsWaitedForAndThePathJudgedFromItsReport() {
        goDirect();
        relayedFor(6); // the other side is still on the relay, its QUIC comes that way
        assertTrue(punch.isDirect(), "not judged before the other side is on the path: " + env.paths);
        punch.otherDirect();
        env.advance(1_500);
        env.quic[0] += 20;
        env.quic[1] += 20; // and now its QUIC comes directly
        env.advance(3_000);
        assertEquals(1, env.paths.size(), String.valueOf(env.paths));
        assertTrue(punch.isDirect());
    }

    @Test
    void aPathTheOtherSideReachesButWhichCarriesNoQuicIsStillLeft() {
        goDirect();
        relayedFor(5);
        punch.otherDirect();
        relayedFor(5);
        assertEquals("relay: the direct path answers probes but carries no QUIC packets", env.paths.get(1));
    }

    @Test
    void anOtherSideThatNeverComesIsGivenUpAfterTenSeconds() {
        goDirect();
        relayedFor(9);
        assertTrue(punch.isDirect());
        relayedFor(2);
        assertEquals("relay: the other peer did not move to the direct path within 10 s", env.paths.get(1));
        assertFalse(punch.isDirect());
    }

    @Test
    void directQuicWithoutAReportIsEnough() {
        goDirect();
        for (int i = 0; i < 12; i++) { // its report was lost (or rate-limited), its QUIC comes directly
            env.quic[0] += 2;
            env.quic[1] += 20;
            env.advance(1_000);
        }
        assertEquals(1, env.paths.size(), String.valueOf(env.paths));
    }

    @Test
    void aReportBeforeThisSideSwitchedCounts() {
        punch.otherDirect(); // the other side was faster
        goDirect();
        env.advance(1_500);
        env.quic[0] += 20;
        env.advance(3_000);
        assertEquals("relay: the direct path answers probes but carries no QUIC packets", env.paths.get(1));
    }

    @Test
    void aReportOfLeavingForgetsTheEarlierOne() {
        punch.otherDirect();
        punch.otherLeft(); // while this side was not on a path: nothing to leave, but the report no longer holds
        goDirect();
        relayedFor(5);
        assertTrue(punch.isDirect(), String.valueOf(env.paths));
    }
}
