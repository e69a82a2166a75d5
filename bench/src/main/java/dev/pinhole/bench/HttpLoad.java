package dev.pinhole.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bounded HTTP/1.1 load generator with keep-alive, for the ingress benchmark: the Host header is chosen
 * (so it can aim at {@code NAME.DOMAIN} on loopback), and every run stops at a request count or a time
 * limit, whichever comes first. Prints one JSON line.
 *
 * <pre>
 *   HttpLoad rps HOST PORT HOST_HEADER CONNECTIONS MAX_REQUESTS MAX_SECONDS
 *   HttpLoad download HOST PORT HOST_HEADER BYTES
 * </pre>
 */
public final class HttpLoad {
    private HttpLoad() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 7 && args[0].equals("rps")) {
            System.out.println(rps(args[1], Integer.parseInt(args[2]), args[3], Integer.parseInt(args[4]),
                    Long.parseLong(args[5]), Double.parseDouble(args[6])));
        } else if (args.length == 5 && args[0].equals("download")) {
            System.out.println(download(args[1], Integer.parseInt(args[2]), args[3], Long.parseLong(args[4])));
        } else {
            System.err.println("usage: HttpLoad rps HOST PORT HOST_HEADER CONNECTIONS MAX_REQUESTS MAX_SECONDS"
                    + " | HttpLoad download HOST PORT HOST_HEADER BYTES");
            System.exit(2);
        }
    }

    static String rps(String host, int port, String hostHeader, int connections, long maxRequests, double maxSeconds)
            throws Exception {
        byte[] request = ("GET / HTTP/1.1\r\nHost: " + hostHeader + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        AtomicLong issued = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        long deadline = System.nanoTime() + (long) (maxSeconds * 1e9);
        List<long[]> latencies = new ArrayList<>();
        List<int[]> counts = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime();
        for (int c = 0; c < connections; c++) {
            long[] mine = new long[(int) Math.min(maxRequests, 10_000_000)];
            int[] count = new int[1];
            latencies.add(mine);
            counts.add(count);
            Thread thread = new Thread(() -> {
                try (Socket socket = new Socket(host, port)) {
                    socket.setTcpNoDelay(true);
                    socket.setSoTimeout(10_000);
                    OutputStream out = socket.getOutputStream();
                    InputStream in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
                    while (issued.incrementAndGet() <= maxRequests && System.nanoTime() < deadline) {
                        long t0 = System.nanoTime();
                        out.write(request);
                        int status = readResponse(in, null);
                        if (status != 200) {
                            errors.incrementAndGet();
                        }
                        mine[count[0]++] = System.nanoTime() - t0;
                    }
                } catch (IOException e) {
                    errors.incrementAndGet();
                }
            }, "load-" + c);
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        int total = counts.stream().mapToInt(c -> c[0]).sum();
        long[] all = new long[total];
        int at = 0;
        for (int i = 0; i < latencies.size(); i++) {
            System.arraycopy(latencies.get(i), 0, all, at, counts.get(i)[0]);
            at += counts.get(i)[0];
        }
        Arrays.sort(all);
        return String.format(Locale.ROOT, "{\"requests\":%d,\"errors\":%d,\"seconds\":%.2f,\"req_per_s\":%.0f,"
                        + "\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,\"connections\":%d}",
                total, errors.get(), seconds, total / seconds, percentile(all, 0.50), percentile(all, 0.99),
                all.length == 0 ? 0 : all[all.length - 1] / 1e6, connections);
    }

    static String download(String host, int port, String hostHeader, long bytes) throws IOException {
        try (Socket socket = new Socket(host, port)) {
            socket.setSoTimeout(30_000);
            long start = System.nanoTime();
            socket.getOutputStream().write(("GET /blob/" + bytes + " HTTP/1.1\r\nHost: " + hostHeader + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            long[] received = new long[1];
            int status = readResponse(new BufferedInputStream(socket.getInputStream(), 1 << 20), received);
            double seconds = (System.nanoTime() - start) / 1e9;
            if (status != 200 || received[0] != bytes) {
                throw new IOException("status " + status + ", " + received[0] + " of " + bytes + " bytes");
            }
            return String.format(Locale.ROOT, "{\"bytes\":%d,\"seconds\":%.3f,\"gbit_per_s\":%.3f}",
                    bytes, seconds, bytes * 8 / seconds / 1e9);
        }
    }

    /** Reads one response with a Content-Length body; returns its status. {@code bodyBytes[0]} gets the body's size. */
    private static int readResponse(InputStream in, long[] bodyBytes) throws IOException {
        String status = line(in);
        long length = 0;
        for (String header; !(header = line(in)).isEmpty(); ) {
            if (header.regionMatches(true, 0, "content-length:", 0, 15)) {
                length = Long.parseLong(header.substring(15).trim());
            }
        }
        long skipped = 0;
        byte[] sink = new byte[64 * 1024];
        while (skipped < length) {
            int n = in.read(sink, 0, (int) Math.min(sink.length, length - skipped));
            if (n < 0) {
                throw new IOException("closed after " + skipped + " of " + length + " body bytes");
            }
            skipped += n;
        }
        if (bodyBytes != null) {
            bodyBytes[0] = skipped;
        }
        return Integer.parseInt(status.split(" ")[1]);
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) {
                throw new IOException("connection closed");
            }
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }

    private static double percentile(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
    }
}
