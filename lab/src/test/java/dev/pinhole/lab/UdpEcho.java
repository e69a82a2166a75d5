package dev.pinhole.lab;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A UDP echo and a paced, checking sender for tests that run inside lab namespaces (as processes), the UDP
 * counterpart of {@link Blob}.
 *
 * <p>{@code serve PORT}: echoes every datagram to its sender on 127.0.0.1:PORT. {@code ping HOST PORT COUNT SIZE
 * INTERVAL_MS [STOP_FILE]}: sends up to COUNT numbered datagrams of SIZE bytes (seeded bytes after the number), one
 * every INTERVAL_MS, stopping early once STOP_FILE exists, then waits up to {@link #DRAIN_MILLIS} for the last replies.
 * It prints {@code reply N} as each tenth reply arrives (so a test sees the flow move) and, last, {@code sent S intact I
 * maxgap G}: G is the longest time in milliseconds between two consecutive intact replies, so a stall shows as a gap
 * while loss only thins the replies out; then {@code lost} and the numbers of the first 20 datagrams that never came
 * back.
 */
public final class UdpEcho {
    /** How long the sender waits for replies after its last datagram: far above any RTT of the lab or the relay. */
    static final long DRAIN_MILLIS = 2_000;

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("serve")) {
            serve(Integer.parseInt(args[1]));
        }
        if ((args.length == 6 || args.length == 7) && args[0].equals("ping")) {
            Path stop = args.length == 7 ? Path.of(args[6]) : null;
            System.out.println(ping(new InetSocketAddress(args[1], Integer.parseInt(args[2])), Integer.parseInt(args[3]),
                    Integer.parseInt(args[4]), Integer.parseInt(args[5]), stop));
            System.exit(0);
        }
        System.err.println("usage: UdpEcho serve PORT | UdpEcho ping HOST PORT COUNT SIZE INTERVAL_MS [STOP_FILE]");
        System.exit(2);
    }

    private static void serve(int port) throws Exception {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
            byte[] buffer = new byte[65_536];
            while (true) {
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                socket.receive(packet);
                socket.send(new DatagramPacket(buffer, packet.getLength(), packet.getSocketAddress()));
            }
        }
    }

    /** Datagram {@code seq}: its number, then bytes seeded by it. */
    static byte[] payload(int seq, int size) {
        byte[] payload = new byte[size];
        new Random(seq).nextBytes(payload);
        ByteBuffer.wrap(payload).putInt(seq);
        return payload;
    }

    static String ping(InetSocketAddress to, int count, int size, int intervalMillis, Path stop) throws Exception {
        AtomicInteger intact = new AtomicInteger();
        AtomicLong maxGap = new AtomicLong();
        BitSet back = new BitSet();
        int sent = 0;
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            socket.setReceiveBufferSize(1 << 20);
            socket.setSoTimeout(100);
            Thread receiver = new Thread(() -> receive(socket, size, intact, maxGap, back), "udp-echo-receiver");
            receiver.setDaemon(true);
            receiver.start();
            long start = System.nanoTime();
            for (; sent < count && (stop == null || !Files.exists(stop)); sent++) {
                long due = start + TimeUnit.MILLISECONDS.toNanos((long) sent * intervalMillis);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait); // pacing the sender, not waiting for another thread
                }
                socket.send(new DatagramPacket(payload(sent, size), size, to));
            }
            int expected = sent;
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DRAIN_MILLIS);
            while (intact.get() < expected && System.nanoTime() < deadline) {
                receiver.join(50);
            }
            receiver.interrupt();
        }
        // Which ones were lost (the first 20) says where: at the start (a flow opening), in a burst, or spread out.
        StringBuilder lost = new StringBuilder();
        synchronized (back) {
            for (int seq = back.nextClearBit(0), shown = 0; seq < sent && shown < 20; seq = back.nextClearBit(seq + 1), shown++) {
                lost.append(' ').append(seq);
            }
        }
        return "sent " + sent + " intact " + intact.get() + " maxgap " + maxGap.get() + " lost" + lost;
    }

    private static void receive(DatagramSocket socket, int size, AtomicInteger intact, AtomicLong maxGap, BitSet back) {
        byte[] buffer = new byte[65_536];
        long last = 0;
        while (!Thread.currentThread().isInterrupted() && !socket.isClosed()) {
            DatagramPacket reply = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(reply);
            } catch (SocketTimeoutException e) {
                continue;
            } catch (Exception e) {
                return;
            }
            int seq = ByteBuffer.wrap(buffer).getInt();
            if (reply.getLength() != size || !Arrays.equals(payload(seq, size), Arrays.copyOf(buffer, size))) {
                continue;
            }
            synchronized (back) {
                back.set(seq);
            }
            long now = System.nanoTime();
            if (last != 0) {
                maxGap.accumulateAndGet(TimeUnit.NANOSECONDS.toMillis(now - last), Math::max);
            }
            last = now;
            if (intact.incrementAndGet() % 10 == 0) {
                System.out.println("reply " + intact.get());
            }
        }
    }
}
