package dev.pinhole.peer.punch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.protocol.ControlMessage.Candidates;
import dev.pinhole.protocol.SessionSecret;
import dev.pinhole.protocol.punch.Probe;
import dev.pinhole.protocol.punch.Probe.Ping;
import dev.pinhole.protocol.punch.Probe.Pong;
import dev.pinhole.protocol.punch.Probe.Role;
import dev.pinhole.protocol.punch.ProbeCodec;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The punch state machine against a recording environment with a manual clock. */
class PunchTest {
    static final SessionSecret SECRET = new SessionSecret(new byte[32]);
    static final InetSocketAddress THEIR_PUBLIC = new InetSocketAddress("198.18.2.2", 40001);
    static final InetSocketAddress OUR_PUBLIC = new InetSocketAddress("198.18.1.2", 50001);

    /** Records effects; timers run when the test advances the clock. */
    static final class FakeEnv implements Punch.Env {
        record Sent(Channel socket, InetSocketAddress to, Probe probe, boolean padded, int length) {}
        record Timer(long at, Runnable task, CompletableFuture<Void> handle) {}

        final ProbeCodec codec = new ProbeCodec(SECRET);
        final Channel main = new EmbeddedChannel();
        final List<Channel> opened = new ArrayList<>();
        final List<Channel> closed = new ArrayList<>();
        final List<Sent> sent = new ArrayList<>();
        final List<Candidates> candidates = new ArrayList<>();
        final List<String> paths = new ArrayList<>();
        final PriorityQueue<Timer> timers = new PriorityQueue<>(Comparator.comparingLong(Timer::at));
        long now;
        boolean hard;
        final long[] quic = new long[2];
        long quicSentDirect;

        void advance(long millis) {
            long until = now + millis * 1_000_000;
            while (!timers.isEmpty() && timers.peek().at() <= until) {
                Timer timer = timers.poll();
                now = timer.at();
                if (!timer.handle().isCancelled()) {
                    timer.task().run();
                }
            }
            now = until;
        }

        @Override public long nanoTime() { return now; }

        @Override public Future<?> schedule(Runnable task, long delayMillis) {
            CompletableFuture<Void> handle = new CompletableFuture<>();
            timers.add(new Timer(now + delayMillis * 1_000_000, task, handle));
            return handle;
        }

        @Override public Reflexive.Result local() { return new Reflexive.Result(OUR_PUBLIC, hard); }
        @Override public void refreshLocal(Runnable then) { then.run(); }
        @Override public List<InetSocketAddress> hosts() { return List.of(); }
        @Override public Channel mainSocket() { return main; }
        @Override public void sendCandidates(Candidates c) { candidates.add(c); }

        @Override public void openSockets(int count, Consumer<List<Channel>> then) {
            List<Channel> sockets = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                sockets.add(new EmbeddedChannel());
            }
            opened.addAll(sockets);
            then.accept(sockets);
        }

        @Override public void closeSocket(Channel socket) { closed.add(socket); }

        @Override public void send(Channel socket, InetSocketAddress to, ByteBuf datagram) {
            try {
                sent.add(new Sent(socket, to, codec.decode(datagram), ProbeCodec.padded(datagram), datagram.readableBytes()));
            } catch (Exception e) {
                throw new AssertionError(e);
            } finally {
                datagram.release();
            }
        }

        @Override public void allow(Channel socket, InetSocketAddress remote) {}
        @Override public void direct(Channel socket, InetSocketAddress remote, double rtt) { paths.add("direct " + remote); }
        @Override public void relay(String why) { paths.add("relay: " + why); }
        @Override public long[] quicReceived() { return quic.clone(); }
        @Override public long quicSentDirect() { return quicSentDirect; }

        ProbeBudget node = ProbeBudget.NONE;

        @Override public ProbeBudget nodeBudget() { return node; }

        SocketQuota quota = SocketQuota.NONE;

        @Override public SocketQuota socketQuota() { return quota; }

        long bytesTo(InetSocketAddress to) {
            return sent.stream().filter(s -> s.to().equals(to)).mapToLong(Sent::length).sum();
        }

        long pingsTo(InetSocketAddress to) {
            return sent.stream().filter(s -> s.probe() instanceof Ping && s.to().equals(to)).count();
        }
    }

    final FakeEnv env = new FakeEnv();
    final Punch punch = new Punch(7, Role.CONNECTOR, new ProbeCodec(SECRET), env, new Random(1));

    @AfterEach
    void close() {
        punch.close();
    }

    /** Easy against easy; the first ping is answered: the session is direct. */
    void goDirect() {
        punch.start();
        punch.candidates(theirs(false));
        Ping ping = (Ping) env.sent.get(0).probe();
        punch.received(env.main, THEIR_PUBLIC, new Pong(7, Role.EXPOSER, ping.txid(), OUR_PUBLIC), true);
    }

    static Candidates theirs(boolean hard) {
        return new Candidates(7, hard, THEIR_PUBLIC, List.of());
    }

    @Test
    void easyAgainstEasyPingsTheirAddressAndTheFirstPongMakesThePathDirect() {
        punch.start();
        assertEquals(1, env.candidates.size(), "a round starts by telling the other side where to probe");
        punch.candidates(theirs(false));
        assertEquals(1, env.pingsTo(THEIR_PUBLIC));
        env.advance(1_000);
        assertEquals(6, env.pingsTo(THEIR_PUBLIC), "one ping every 200 ms");
        Ping ping = (Ping) env.sent.get(env.sent.size() - 1).probe();
        env.advance(1);
        punch.received(env.main, THEIR_PUBLIC, new Pong(7, Role.EXPOSER, ping.txid(), OUR_PUBLIC), true);
        assertEquals(List.of("direct " + THEIR_PUBLIC), env.paths);
        assertTrue(punch.isDirect());
        int before = env.sent.size();
        env.advance(4_000);
        assertEquals(before, env.sent.size(), "probing stops once direct");
    }

    @Test
    void hardAgainstEasyOpensManySocketsAndPingsFromEach() {
        env.hard = true;
        punch.start();
        punch.candidates(theirs(false));
        assertEquals(PunchPlan.BIRTHDAY_SOCKETS, env.opened.size());
        for (Channel socket : env.opened) {
            assertTrue(env.sent.stream().anyMatch(s -> s.socket() == socket && s.to().equals(THEIR_PUBLIC)));
        }
        Channel winner = env.opened.get(17);
        // Their guess hit socket 17's mapping: it answers, and pings back at once (a triggered check).
        punch.received(winner, THEIR_PUBLIC, new Ping(7, Role.EXPOSER, 99), true);
        FakeEnv.Sent pong = env.sent.get(env.sent.size() - 2);
        FakeEnv.Sent triggered = env.sent.get(env.sent.size() - 1);
        assertTrue(pong.probe() instanceof Pong && pong.socket() == winner);
        assertTrue(triggered.probe() instanceof Ping && triggered.socket() == winner);
        punch.received(winner, THEIR_PUBLIC, new Pong(7, Role.EXPOSER, triggered.probe().txid(), OUR_PUBLIC), true);
        assertEquals(List.of("direct " + THEIR_PUBLIC), env.paths);
        assertEquals(PunchPlan.BIRTHDAY_SOCKETS - 1, env.closed.size(), "every socket but the winner is closed");
        assertFalse(env.closed.contains(winner));
    }

    @Test
    void easyAgainstHardGuessesPortsPacedAndBounded() {
        punch.start();
        punch.candidates(theirs(true));
        env.advance(1_000);
        long guesses = env.sent.stream().filter(s -> s.to().getAddress().equals(THEIR_PUBLIC.getAddress())).count();
        assertTrue(guesses >= 390 && guesses <= 420, "about 400 guesses per second, got " + guesses);
        env.advance(4_990);
        long all = env.sent.stream().filter(s -> !s.to().equals(THEIR_PUBLIC)).count();
        assertEquals(PunchPlan.MAX_GUESSES, all, "guessing is bounded within a round");
    }

    @Test
    void bothHardStaysOnTheRelayWithoutGuessingOrRetrying() {
        env.hard = true;
        punch.start();
        punch.candidates(theirs(true));
        env.advance(120_000);
        assertEquals(0, env.sent.size());
        assertTrue(env.opened.isEmpty());
        assertEquals(1, punch.rounds());
    }

    @Test
    void aDeadDirectPathFallsBackToTheRelayAndIsRetriedLater() {
        goDirect();
        env.advance(14_000);
        assertEquals(1, env.paths.size(), "still direct: keepalives are merely unanswered");
        env.advance(2_000);
        assertEquals("relay: direct path stopped answering for 15 s", env.paths.get(1));
        env.advance(5_000);
        assertEquals(2, punch.rounds(), "a new round 5 s after the fallback");
    }

    @Test
    void aPongToASmallGuessIsConfirmedWithAFullSizePingFirst() {
        punch.start();
        punch.candidates(theirs(true));
        FakeEnv.Sent guess = env.sent.stream().filter(s -> !s.padded()).findFirst().orElseThrow();
        punch.received(env.main, guess.to(), new Pong(7, Role.EXPOSER, guess.probe().txid(), OUR_PUBLIC), true);
        assertTrue(env.paths.isEmpty(), "a small probe does not prove full-size packets pass");
        FakeEnv.Sent confirm = env.sent.get(env.sent.size() - 1);
        assertTrue(confirm.padded() && confirm.to().equals(guess.to()) && confirm.probe() instanceof Ping);
        assertEquals(1350, ProbeCodec.MAX_DATAGRAM);
        punch.received(env.main, guess.to(), new Pong(7, Role.EXPOSER, confirm.probe().txid(), OUR_PUBLIC), false);
        assertTrue(env.paths.isEmpty(), "an unpadded pong does not either");
        punch.received(env.main, guess.to(), new Pong(7, Role.EXPOSER, confirm.probe().txid(), OUR_PUBLIC), true);
        assertTrue(env.paths.isEmpty(), "a pong counts once");
    }

    @Test
    void aDirectPathThatCarriesNoQuicIsLeftForTheRelay() {
        goDirect();
        punch.otherDirect(); // the other side's PathReport: it is on the path too
        assertEquals(1, env.paths.size());
        env.quic[0] += 50; // before the window: the other side had not switched yet
        env.advance(1_500);
        env.quic[0] += 20; // QUIC keeps coming over the relay, none directly
        env.advance(3_000);
        assertEquals("relay: the direct path answers probes but carries no QUIC packets", env.paths.get(1));
        assertFalse(punch.isDirect());
    }

    /** QUIC keeps sending over the direct path for {@code millis}, in 100 ms steps; nothing comes back. */
    void sendIntoSilence(long millis) {
        for (long t = 0; t < millis; t += 100) {
            env.quicSentDirect += 10;
            env.advance(100);
        }
    }

    @Test
    void aBusyDirectPathThatFallsSilentIsLeftInSecondsNotFifteen() {
        goDirect();
        env.quic[1] += 5; // QUIC flows both ways at first
        env.advance(1_000);
        int before = env.sent.size();
        sendIntoSilence(1_900);
        assertEquals(before, env.sent.size(), "under two quiet seconds: nothing yet");
        sendIntoSilence(200);
        FakeEnv.Sent ask = env.sent.get(env.sent.size() - 1);
        assertTrue(ask.probe() instanceof Ping && ask.padded() && ask.to().equals(THEIR_PUBLIC), "a ping asks at once");
        assertEquals(1, env.paths.size());
        sendIntoSilence(2_000);
        assertEquals(2, env.paths.size(), String.valueOf(env.paths));
        assertEquals("relay: direct path stopped answering while busy (4.0 s)", env.paths.get(1));
    }

    @Test
    void aBusyPathWhosePingIsAnsweredStaysDirect() {
        goDirect();
        sendIntoSilence(2_100); // the other side just has nothing to say
        FakeEnv.Sent ask = env.sent.get(env.sent.size() - 1);
        assertTrue(ask.probe() instanceof Ping);
        punch.received(env.main, THEIR_PUBLIC, new Pong(7, Role.EXPOSER, ask.probe().txid(), OUR_PUBLIC), true);
        sendIntoSilence(1_600);
        assertEquals(1, env.paths.size(), String.valueOf(env.paths));
        assertTrue(punch.isDirect());
    }

    @Test
    void whenTheOtherSideHasLeftForTheRelayThisSideAsksAtOnce() {
        goDirect();
        punch.otherDirect(); // the other side's PathReport: it is on the path too
        for (int i = 0; i < 5; i++) { // past the QUIC-level check, QUIC flowing directly
            env.quic[1] += 5;
            env.advance(1_000);
        }
        // The receiving side of a download: it sends nothing, and its data now comes over the relay.
        for (int i = 0; i < 10; i++) {
            env.quic[0] += 20;
            env.advance(100);
        }
        env.quic[0] += 20;
        env.advance(1_000);
        FakeEnv.Sent ask = env.sent.get(env.sent.size() - 1);
        assertTrue(ask.probe() instanceof Ping && ask.to().equals(THEIR_PUBLIC), "asked within 2 s");
        env.quic[0] += 20;
        env.advance(2_000);
        assertEquals(2, env.paths.size(), String.valueOf(env.paths));
        assertTrue(env.paths.get(1).startsWith("relay: direct path stopped answering while busy"), env.paths.get(1));
    }

    @Test
    void whenTheOtherPeerReportsLeavingThisOneFollowsAndRetriesLater() {
        goDirect();
        punch.otherLeft();
        assertEquals("relay: the other peer left the direct path", env.paths.get(1));
        assertFalse(punch.isDirect());
        punch.otherLeft(); // a second report changes nothing
        assertEquals(2, env.paths.size());
        int rounds = punch.rounds();
        env.advance(5_000);
        assertEquals(rounds + 1, punch.rounds(), "the connector punches again 5 s later");
    }

    @Test
    void anIdlePathIsJudgedByItsKeepalivesOnly() {
        goDirect();
        env.advance(14_000); // nothing sent, nothing heard, no pongs to the keepalives
        assertEquals(1, env.paths.size(), "idle: no verdict before 15 s");
        env.advance(2_000);
        assertEquals("relay: direct path stopped answering for 15 s", env.paths.get(1));
    }

    @Test
    void aDirectPathCarryingQuicPassesTheCheck() {
        goDirect();
        punch.otherDirect(); // the other side's PathReport: it is on the path too
        env.advance(1_500);
        env.quic[0] += 20;
        env.quic[1] += 1;
        env.advance(3_000);
        assertEquals(1, env.paths.size());
        assertTrue(punch.isDirect());
    }

    @Test
    void aRoundWithoutAnswerIsRetriedWithBackoff() {
        punch.start();
        punch.candidates(theirs(false));
        env.advance(6_000);
        assertEquals(1, punch.rounds());
        env.advance(5_000);
        assertEquals(2, punch.rounds(), "first retry 5 s after the round ended");
        assertEquals(2, env.candidates.size(), "each round tells the other side again");
        env.advance(6_000 + 10_000);
        assertEquals(3, punch.rounds(), "then 10 s");
    }

    @Test
    void reflectedAndUnmatchedProbesProveNothing() {
        punch.start();
        punch.candidates(theirs(false));
        Ping ours = (Ping) env.sent.get(0).probe();
        punch.received(env.main, THEIR_PUBLIC, new Pong(7, Role.CONNECTOR, ours.txid(), OUR_PUBLIC), true);
        punch.received(env.main, new InetSocketAddress("203.0.113.66", 1), new Pong(7, Role.EXPOSER, ours.txid(), OUR_PUBLIC), true);
        punch.received(env.main, THEIR_PUBLIC, new Pong(7, Role.EXPOSER, ours.txid() + 1000, OUR_PUBLIC), true);
        assertTrue(env.paths.isEmpty());
    }
}
