package dev.pinhole.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Locale;
import java.util.Random;

/**
 * A bulk TCP source and sink for benchmarks. {@code serve PORT} answers each connection with the number
 * of bytes the client asks for (an 8-byte request) and closes; {@code fetch HOST PORT BYTES} asks, reads
 * to the end and prints one JSON line with the time to first byte and the throughput.
 */
public final class Blast {
    private static final int BUFFER = 1 << 20;
    /** Incompressible bytes, made once: per-connection set-up must not count as first-byte latency. */
    private static final byte[] PATTERN = new byte[BUFFER];

    static {
        new Random(1).nextBytes(PATTERN);
    }

    private Blast() {}

    /** The incompressible bytes every benchmark source sends (a copy). */
    static byte[] pattern() {
        return PATTERN.clone();
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("serve")) {
            serve(Integer.parseInt(args[1]));
        } else if (args.length == 4 && args[0].equals("fetch")) {
            // A 1-byte fetch first loads and links the socket classes, so the measured first byte is the
            // path's latency rather than this JVM's start-up.
            fetch(args[1], Integer.parseInt(args[2]), 1);
            Result result = fetch(args[1], Integer.parseInt(args[2]), Long.parseLong(args[3]));
            System.out.println(result.json());
        } else {
            System.err.println("usage: Blast serve PORT | Blast fetch HOST PORT BYTES");
            System.exit(2);
        }
    }

    public record Result(long bytes, double seconds, double firstByteMillis) {
        public double gbitPerSecond() {
            return bytes * 8 / seconds / 1e9;
        }

        public String json() {
            return String.format(Locale.ROOT, "{\"bytes\":%d,\"seconds\":%.3f,\"gbit_per_s\":%.3f,\"first_byte_ms\":%.2f}",
                    bytes, seconds, gbitPerSecond(), firstByteMillis);
        }
    }

    static void serve(int port) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress("127.0.0.1", port));
        while (true) {
            SocketChannel client = server.accept();
            startDaemon(() -> answer(client));
        }
    }

    private static void answer(SocketChannel client) {
        try (client) {
            ByteBuffer request = ByteBuffer.allocate(8);
            while (request.hasRemaining()) {
                if (client.read(request) < 0) {
                    return;
                }
            }
            long left = request.flip().getLong();
            ByteBuffer chunk = ByteBuffer.allocateDirect(BUFFER);
            chunk.put(PATTERN).flip();
            while (left > 0) {
                chunk.clear().limit((int) Math.min(BUFFER, left));
                left -= chunk.remaining();
                while (chunk.hasRemaining()) {
                    client.write(chunk);
                }
            }
            client.shutdownOutput();
            // Wait for the client's close so the last bytes are not reset away.
            client.read(ByteBuffer.allocate(1));
        } catch (IOException e) {
            System.err.println("blast: " + e.getMessage());
        }
    }

    public static Result fetch(String host, int port, long bytes) throws IOException {
        long start = System.nanoTime();
        try (SocketChannel channel = SocketChannel.open(new InetSocketAddress(host, port))) {
            channel.write(ByteBuffer.allocate(8).putLong(bytes).flip());
            ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER);
            long received = 0;
            long firstByte = 0;
            while (true) {
                buffer.clear();
                int n = channel.read(buffer);
                if (n < 0) {
                    break;
                }
                if (received == 0 && n > 0) {
                    firstByte = System.nanoTime();
                }
                received += n;
            }
            long end = System.nanoTime();
            if (received != bytes) {
                throw new IOException("received " + received + " bytes (expected: " + bytes + ")");
            }
            return new Result(received, (end - firstByte) / 1e9, (firstByte - start) / 1e6);
        }
    }

    /** A daemon thread per client, so that serving never keeps the JVM alive (Java 17 has no Thread.ofPlatform()). */
    private static void startDaemon(Runnable task) {
        Thread thread = new Thread(task, "blast");
        thread.setDaemon(true);
        thread.start();
    }
}
