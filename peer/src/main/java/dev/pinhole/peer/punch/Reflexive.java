package dev.pinhole.peer.punch;

import dev.pinhole.protocol.stun.StunFormatException;
import dev.pinhole.protocol.stun.StunMessages;
import dev.pinhole.session.PathMux;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the rendezvous' STUN sees of this peer's UDP socket: its public (server-reflexive) address,
 * and whether the NAT is "hard" (maps the socket to a different public port for another destination,
 * i.e. address- or port-dependent mapping, RFC 4787 section 4.1). Learned by two Binding requests
 * from the peer's one UDP socket, to the rendezvous' two STUN ports; repeated every
 * {@value #REFRESH_SECONDS} s, which also keeps that NAT mapping alive.
 */
public final class Reflexive {
    /** Below the 30 s many NATs give an idle UDP mapping (Tailscale treats STUN results as fresh for 27 s). */
    static final long REFRESH_SECONDS = 20;
    /** Retransmissions (RFC 8489 section 6.2.1 uses 500 ms doubling; the rendezvous is one RTT away). */
    static final long[] SEND_AT_MILLIS = {0, 250, 750};
    /** After this the answer we have (maybe none) is what we go with: punching must not wait long. */
    static final long GIVE_UP_MILLIS = 1_500;

    /**
     * {@code reflexive} is null when no STUN answer came (UDP blocked, or the rendezvous has no STUN).
     * {@code predicted}: for a hard NAT that hands out ports in steps (many do: +1, +2), the public
     * addresses its next mappings will likely get, which the other side probes first; empty otherwise.
     */
    public record Result(InetSocketAddress reflexive, boolean hard, List<InetSocketAddress> predicted) {
        public Result(InetSocketAddress reflexive, boolean hard) {
            this(reflexive, hard, List.of());
        }
    }

    /** A step larger than this is not a sequence (fully random NATs, or other traffic in between). */
    static final int MAX_STEP = 16;
    /** How many next ports to predict: the mapping for the other peer comes after a few of ours at most. */
    static final int PREDICTIONS = 8;

    /**
     * Port prediction (pure): given the ports a NAT gave one socket for two destinations in a row, the
     * ports it will likely give the next ones.
     */
    static List<InetSocketAddress> predict(InetSocketAddress first, InetSocketAddress second) {
        int step = second.getPort() - first.getPort();
        if (step == 0 || Math.abs(step) > MAX_STEP || !first.getAddress().equals(second.getAddress())) {
            return List.of();
        }
        List<InetSocketAddress> next = new ArrayList<>();
        for (int k = 1; k <= PREDICTIONS; k++) {
            int port = second.getPort() + k * step;
            if (port > 0 && port < 65_536) {
                next.add(new InetSocketAddress(second.getAddress(), port));
            }
        }
        return List.copyOf(next);
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private final PathMux mux;
    private final EventLoop loop;
    private final List<Runnable> waiting = new ArrayList<>();
    private final List<ScheduledFuture<?>> timers = new ArrayList<>();
    private InetSocketAddress[] servers = new InetSocketAddress[0];
    private byte[][] transactions = new byte[0][];
    private InetSocketAddress[] answers = new InetSocketAddress[0];
    private Result result;
    private boolean done;

    public Reflexive(PathMux mux, EventLoop loop) {
        this.mux = mux;
        this.loop = loop;
    }

    /** Starts (or restarts, after a reconnect) asking {@code primary} and, if not null, {@code alternate}. */
    public void start(InetSocketAddress primary, InetSocketAddress alternate) {
        stop();
        servers = alternate == null ? new InetSocketAddress[] {primary} : new InetSocketAddress[] {primary, alternate};
        done = false;
        round();
    }

    /** Starts a new round now (before a punch retry); {@link #whenReady} waits for it. */
    public void refresh() {
        if (servers.length > 0) {
            stop();
            done = false;
            round();
        }
    }

    public void stop() {
        timers.forEach(t -> t.cancel(false));
        timers.clear();
    }

    private void round() {
        transactions = new byte[servers.length][];
        answers = new InetSocketAddress[servers.length];
        for (int i = 0; i < servers.length; i++) {
            transactions[i] = new byte[12];
            RANDOM.nextBytes(transactions[i]);
        }
        for (long at : SEND_AT_MILLIS) {
            timers.add(loop.schedule(this::sendUnanswered, at, TimeUnit.MILLISECONDS));
        }
        timers.add(loop.schedule(this::finish, GIVE_UP_MILLIS, TimeUnit.MILLISECONDS));
        timers.add(loop.schedule(this::round, REFRESH_SECONDS, TimeUnit.SECONDS));
        timers.removeIf(ScheduledFuture::isDone);
    }

    private void sendUnanswered() {
        for (int i = 0; i < servers.length; i++) {
            if (answers[i] == null) {
                byte[] request = StunMessages.request(transactions[i], false, false);
                mux.writeNow(mux.socket(), new DatagramPacket(Unpooled.wrappedBuffer(request), servers[i]));
            }
        }
    }

    /** A STUN datagram arrived on the peer's socket; releases it. */
    public void received(DatagramPacket packet) {
        try {
            byte[] bytes = ByteBufUtil.getBytes(packet.content());
            StunMessages.BindingResponse response = StunMessages.parseResponse(bytes, bytes.length);
            for (int i = 0; i < servers.length; i++) {
                if (Arrays.equals(transactions[i], response.transactionId()) && packet.sender().equals(servers[i])) {
                    answers[i] = response.mapped();
                }
            }
            if (Arrays.stream(answers).allMatch(a -> a != null)) {
                finish();
            }
        } catch (StunFormatException e) {
            // Not an answer to us (or garbage): STUN on this socket is only ever a response we asked for.
        } finally {
            packet.release();
        }
    }

    private void finish() {
        InetSocketAddress first = answers.length > 0 ? answers[0] : null;
        if (first != null) {
            // A lost answer from the second port says nothing new: keep what the last round found.
            boolean hard = answers.length > 1 && answers[1] != null ? !answers[1].equals(first)
                    : result != null && result.hard();
            List<InetSocketAddress> predicted = hard && answers[1] != null ? predict(first, answers[1]) : List.of();
            result = new Result(first, hard, predicted);
        } else if (result == null) {
            result = new Result(null, false);
        }
        if (!done) {
            done = true;
            List<Runnable> ready = List.copyOf(waiting);
            waiting.clear();
            ready.forEach(Runnable::run);
        }
    }

    /** The latest result; before the first round finished, a result with no address. */
    public Result result() {
        return result != null ? result : new Result(null, false);
    }

    /** Runs {@code then} on the event loop once the current round has an answer (or gave up). */
    public void whenReady(Runnable then) {
        if (done || servers.length == 0) {
            then.run();
        } else {
            waiting.add(then);
        }
    }
}
