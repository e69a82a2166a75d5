package dev.pinhole.lab;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * A TCP byte source and checking sink for tests that run inside lab namespaces (as processes).
 * {@code serve PORT}: each connection sends an 8-byte size and gets that many bytes of
 * {@link LocalWebServer#writeBlob}'s seeded stream. {@code fetch HOST PORT BYTES [BYTES_PER_SECOND]}: asks,
 * reads (paced when a rate is given, so a transfer can outlast path changes), checks length and SHA-256,
 * and prints {@code ok BYTES SECONDS} or {@code bad ...} as its last line; exit 0 only when intact. A paced fetch
 * also prints {@code received BYTES} at each MiB, so a test can see the transfer move before and after a path
 * change ({@link LabTunnel#received}).
 */
public final class Blob {
    /** A line per MiB: fine enough to see a transfer move, a few hundred lines for the lab's largest one. */
    private static final long PROGRESS_STEP = 1 << 20;

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("serve")) {
            try (ServerSocket server = new ServerSocket(Integer.parseInt(args[1]), 50, InetAddress.getLoopbackAddress())) {
                while (true) {
                    Socket client = server.accept();
                    Thread thread = new Thread(() -> serve(client), "blob");
                    thread.setDaemon(true);
                    thread.start();
                }
            }
        }
        if ((args.length == 4 || args.length == 5) && args[0].equals("fetch")) {
            long size = Long.parseLong(args[3]);
            long rate = args.length == 5 ? Long.parseLong(args[4]) : 0;
            System.out.println(fetch(args[1], Integer.parseInt(args[2]), size, rate));
            System.exit(0);
        }
        System.err.println("usage: Blob serve PORT | Blob fetch HOST PORT BYTES [BYTES_PER_SECOND]");
        System.exit(2);
    }

    private static void serve(Socket client) {
        try (client; OutputStream out = client.getOutputStream()) {
            long size = new DataInputStream(client.getInputStream()).readLong();
            LocalWebServer.writeBlob(new BufferedOutputStream(out, 1 << 16), size);
        } catch (IOException e) {
            // The fetcher left; nothing to clean up.
        }
    }

    static String fetch(String host, int port, long size, long rate) throws Exception {
        long start = System.nanoTime();
        MessageDigest got = MessageDigest.getInstance("SHA-256");
        long received = 0;
        long longestWait = 0;
        try (Socket socket = new Socket(host, port)) {
            socket.setSoTimeout(120_000);
            new DataOutputStream(socket.getOutputStream()).writeLong(size);
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[64 * 1024];
            int n;
            long lastRead = System.nanoTime();
            long reported = 0;
            while ((n = in.read(buffer)) > 0) {
                long now = System.nanoTime();
                longestWait = Math.max(longestWait, now - lastRead);
                got.update(buffer, 0, n);
                received += n;
                if (rate > 0 && received - reported >= PROGRESS_STEP) {
                    reported = received;
                    System.out.println("received " + received);
                    System.out.flush();
                }
                if (rate > 0) {
                    // Pacing by deadline, not by sleeping a fixed time per read: the average rate is what counts.
                    long due = start + received * 1_000_000_000L / rate;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                }
                lastRead = System.nanoTime();
            }
        }
        MessageDigest want = MessageDigest.getInstance("SHA-256");
        LocalWebServer.writeBlob(new DigestOutputStream(OutputStream.nullOutputStream(), want), size);
        double seconds = (System.nanoTime() - start) / 1e9;
        boolean intact = received == size && Arrays.equals(want.digest(), got.digest());
        // The longest time the stream delivered nothing (pacing excluded): a path change's stall.
        return (intact ? "ok " : "bad ") + received + " " + String.format("%.2f", seconds)
                + " stall " + String.format("%.1f", longestWait / 1e9);
    }
}
