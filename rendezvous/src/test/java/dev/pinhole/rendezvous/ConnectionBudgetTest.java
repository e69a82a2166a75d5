package dev.pinhole.rendezvous;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class ConnectionBudgetTest {
    final List<String> log = new CopyOnWriteArrayList<>();
    final long[] now = {0};
    final ConnectionBudget budget = new ConnectionBudget(3, 5, new RateLimitedLog(log::add, () -> now[0]));

    /** A channel accepted from {@code address}. */
    static EmbeddedChannel from(String address) {
        InetSocketAddress remote = new InetSocketAddress(address, 40000);
        return new EmbeddedChannel() {
            @Override
            protected SocketAddress remoteAddress0() {
                return remote;
            }
        };
    }

    @Test
    void aSourceGetsItsShareAndAClosedConnectionGivesItsPlaceBack() {
        List<EmbeddedChannel> held = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            EmbeddedChannel channel = from("192.0.2.1");
            assertTrue(budget.admit(channel, "control port"));
            held.add(channel);
        }
        EmbeddedChannel fourth = from("192.0.2.1");
        assertFalse(budget.admit(fourth, "control port"));
        assertFalse(fourth.isOpen(), "refused connections are closed at once");
        assertTrue(log.get(0).endsWith("3 connections open from its address (--max-connections-per-source)"), log.get(0));
        assertTrue(budget.admit(from("192.0.2.2"), "control port"), "another address has its own share");
        held.get(0).close();
        assertTrue(budget.admit(from("192.0.2.1"), "control port"));
    }

    @Test
    void ipv6SourcesAreGroupedBySlash64() {
        for (int i = 1; i <= 3; i++) {
            assertTrue(budget.admit(from("2001:db8:1:2::" + i), "control port"));
        }
        assertFalse(budget.admit(from("2001:db8:1:2:ffff::9"), "control port"), "same /64, another address");
        assertTrue(log.get(0).endsWith("3 connections open from its /64 (--max-connections-per-source)"), log.get(0));
        assertTrue(budget.admit(from("2001:db8:1:3::1"), "control port"), "the next /64 is another source");
    }

    @Test
    void theTotalIsCappedAndTheTableHoldsOnlyOpenSources() {
        List<EmbeddedChannel> held = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            EmbeddedChannel channel = from("198.51.100." + i);
            assertTrue(budget.admit(channel, "public TCP port 20000"));
            held.add(channel);
        }
        assertFalse(budget.admit(from("198.51.100.77"), "public TCP port 20000"));
        assertTrue(log.get(0).endsWith("5 connections open in all (--max-connections)"), log.get(0));
        assertEquals(5, budget.open());
        held.forEach(EmbeddedChannel::close);
        assertEquals(0, budget.open());
        assertEquals(0, budget.sources(), "no entry outlives its source's connections");
    }

    @Test
    void refusalsAreLoggedAtMostTwentyTimesAMinuteThenSummed() {
        for (int i = 0; i < 6; i++) {
            budget.admit(from("203.0.113." + i), "control port");
        }
        for (int i = 0; i < 100; i++) {
            budget.admit(from("203.0.113.200"), "control port");
        }
        assertEquals(RateLimitedLog.LINES_PER_MINUTE, log.size());
        now[0] += 60_000_000_000L;
        budget.admit(from("203.0.113.201"), "control port");
        assertEquals("(81 more lines like 'refused' left out in the last minute)", log.get(RateLimitedLog.LINES_PER_MINUTE));
        assertEquals(RateLimitedLog.LINES_PER_MINUTE + 2, log.size());
    }
}
