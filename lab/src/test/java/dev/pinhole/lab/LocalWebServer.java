package dev.pinhole.lab;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The service behind {@code expose} in tests: a real HTTP server on loopback. {@code /hello} answers a
 * short text; {@code /own-host-only} answers 200 only to a Host header of its own HOST:PORT, else 403; {@code /headers} the request's headers, one {@code name: value} per line; {@code /sha256} the hex SHA-256 of the request body; {@code /blob/N} streams N pseudo-random bytes (seeded by N, so the client can check them).
 */
public final class LocalWebServer implements AutoCloseable {
    public static final String HELLO = "hello through pinhole\n";

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(16);

    public LocalWebServer() throws IOException {
        this("127.0.0.1");
    }

    /** A server listening on {@code address} only (e.g. 127.0.0.2, to tell it from loopback's usual address). */
    public LocalWebServer(String address) throws IOException {
        server = HttpServer.create(new InetSocketAddress(address, 0), 128);
        server.createContext("/own-host-only", exchange -> {
            // Like a dev server's host check (Vite's allowedHosts): only its own HOST:PORT in Host is served.
            String own = address + ":" + exchange.getLocalAddress().getPort();
            boolean ok = own.equals(exchange.getRequestHeaders().getFirst("Host"));
            byte[] body = (ok ? "served " + own : "Blocked request. This host is not allowed.").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(ok ? 200 : 403, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.createContext("/hello", exchange -> {
            byte[] body = HELLO.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.createContext("/headers", exchange -> {
            StringBuilder text = new StringBuilder();
            exchange.getRequestHeaders().forEach((name, values) ->
                    values.forEach(v -> text.append(name.toLowerCase(Locale.ROOT)).append(": ").append(v).append('\n')));
            byte[] body = text.toString().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.createContext("/sha256", exchange -> {
            byte[] digest;
            try (var in = exchange.getRequestBody()) {
                var sha = MessageDigest.getInstance("SHA-256");
                in.transferTo(new DigestOutputStream(OutputStream.nullOutputStream(), sha));
                digest = sha.digest();
            } catch (NoSuchAlgorithmException e) {
                throw new IOException(e);
            }
            byte[] body = HexFormat.of().formatHex(digest).getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.createContext("/blob/", exchange -> {
            long size = Long.parseLong(exchange.getRequestURI().getPath().substring("/blob/".length()));
            exchange.sendResponseHeaders(200, size);
            try (OutputStream out = exchange.getResponseBody()) {
                writeBlob(out, size);
            }
        });
        server.setExecutor(executor);
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The bytes of {@code /blob/size}. */
    public static void writeBlob(OutputStream out, long size) throws IOException {
        Random random = new Random(size);
        byte[] chunk = new byte[64 * 1024];
        for (long left = size; left > 0; ) {
            random.nextBytes(chunk);
            int n = (int) Math.min(chunk.length, left);
            out.write(chunk, 0, n);
            left -= n;
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
