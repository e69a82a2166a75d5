package dev.pinhole.peer.punch;

import dev.pinhole.protocol.stun.StunFormatException;
import dev.pinhole.protocol.stun.StunMessages;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * An in-memory internet with a virtual clock, for running real {@link Punch}es (and their {@link Reflexive} STUN
 * clients) against simulated NATs ({@link SimNat}) in a unit test; docs/lab.md, "The simulated lab".
 *
 * <p>Time: one Netty event loop whose ticker is a {@link MockTicker}. Every timer of both peers (their punches'
 * and their STUN clients') and every datagram in flight is a task on it, and {@link #run} jumps the ticker from
 * one task to the next: a minute of punching takes milliseconds, and nothing depends on the machine's speed.
 *
 * <p>Space: public addresses are attached with the one-way delay of their uplink; a datagram between two of them
 * takes the sum of both. Addresses nobody attached (a peer's private LAN address, seen from the other site)
 * swallow what is sent to them. The rendezvous is here too: STUN on two ports of one address, as in the lab,
 * and the control channel that carries {@code Candidates} and path reports between the peers.
 */
final class SimNet {
    /** The rendezvous' address and its two STUN ports (docs/direct-paths.md, "What each side knows"). */
    static final InetSocketAddress STUN = new InetSocketAddress(ip("203.0.113.10"), 3478);
    static final InetSocketAddress STUN_ALT = new InetSocketAddress(ip("203.0.113.10"), 3479);

    /** A UDP datagram as the hop handling it sees it (a NAT rewrites {@code from} going out, {@code to} coming in). */
    record Datagram(InetSocketAddress from, InetSocketAddress to, byte[] payload) {}

    /** Takes a datagram one hop further: a NAT's side, a host, the internet. */
    interface Link {
        void send(Datagram datagram);
    }

    private record Attached(Link link, long uplinkMillis) {}

    private final MockTicker ticker = Ticker.newMockTicker();
    private final EmbeddedChannel clock = EmbeddedChannel.builder().ticker(ticker).build();
    private final Map<InetAddress, Attached> attached = new HashMap<>();

    SimNet() {
        attach(STUN.getAddress(), this::answerStun, 0);
    }

    static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal); // a literal: no lookup
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("ip: " + literal + " (expected: an IPv4 literal)", e);
        }
    }

    /** Datagrams to {@code address} go to {@code link}, {@code uplinkMillis} after they leave their sender's uplink. */
    void attach(InetAddress address, Link link, long uplinkMillis) {
        attached.put(address, new Attached(link, uplinkMillis));
    }

    /** The internet: delivers to the attached address after both uplinks' delays; other addresses swallow it. */
    void send(Datagram datagram) {
        Attached from = attached.get(datagram.from().getAddress());
        Attached to = attached.get(datagram.to().getAddress());
        if (to == null) {
            return;
        }
        long delay = (from == null ? 0 : from.uplinkMillis()) + to.uplinkMillis();
        schedule(() -> to.link().send(datagram), delay);
    }

    /** The control channel through the rendezvous: TCP, so in order and lossless, one uplink each way. */
    void control(InetAddress from, InetAddress to, Runnable message) {
        schedule(message, attached.get(from).uplinkMillis() + attached.get(to).uplinkMillis());
    }

    /** The rendezvous' STUN answers each Binding request with the address it came from (RFC 8489). */
    private void answerStun(Datagram request) {
        try {
            StunMessages.BindingRequest binding = StunMessages.parse(request.payload(), request.payload().length);
            send(new Datagram(request.to(), request.from(), StunMessages.success(binding, request.from(), request.to(), null)));
        } catch (StunFormatException e) {
            throw new AssertionError("a peer sent the rendezvous something that is not STUN", e);
        }
    }

    EventLoop loop() {
        return clock.eventLoop();
    }

    Future<?> schedule(Runnable task, long delayMillis) {
        return clock.eventLoop().schedule(task, delayMillis, TimeUnit.MILLISECONDS);
    }

    long nanoTime() {
        return ticker.nanoTime();
    }

    long millis() {
        return TimeUnit.NANOSECONDS.toMillis(ticker.nanoTime());
    }

    /** Runs every timer and delivery due in the next {@code millis} of virtual time, in order. */
    void run(long millis) {
        long until = ticker.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (true) {
            clock.runPendingTasks();
            long next = clock.runScheduledPendingTasks();
            clock.checkException(); // a timer that threw fails the test, not just its own task
            if (next < 0 || ticker.nanoTime() + next > until) {
                ticker.advance(until - ticker.nanoTime(), TimeUnit.NANOSECONDS);
                return;
            }
            ticker.advance(next, TimeUnit.NANOSECONDS);
        }
    }

    void close() {
        clock.finishAndReleaseAll();
    }
}
