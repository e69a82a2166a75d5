package dev.pinhole.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@code bin/demo}: the whole product on one machine, as real processes started through the
 * launchers a user runs: a rendezvous in a temporary data dir, a small web page, {@code peer expose},
 * {@code peer connect}, then a fetch of the page through the tunnel. Prints what it fetched, the path
 * and the time; stays up until Ctrl-C, or exits with {@code --once}.
 */
public final class Demo {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PAGE = "Hello from behind the pinhole: this page is served on 127.0.0.1 and reached through the tunnel.\n";

    private final Path root;
    private final Path work;
    private final List<Process> processes = new ArrayList<>();

    private Demo(Path root, Path work) {
        this.root = root;
        this.work = work;
    }

    public static void main(String[] args) throws Exception {
        boolean once = List.of(args).contains("--once");
        String rootEnv = System.getenv("PINHOLE_ROOT");
        Path root = Path.of(rootEnv == null ? "." : rootEnv).toAbsolutePath();
        Path work = Files.createTempDirectory("pinhole-demo-");
        Demo demo = new Demo(root, work);
        Runtime.getRuntime().addShutdownHook(new Thread(demo::stop, "demo-shutdown"));
        int exit;
        try {
            exit = demo.run(once);
        } catch (Exception e) {
            System.err.println("demo failed: " + e.getMessage());
            exit = 1;
        }
        if (once || exit != 0) {
            System.exit(exit);
        }
        new CountDownLatch(1).await();
    }

    private int run(boolean once) throws Exception {
        System.out.println("Pinhole demo (everything on 127.0.0.1; working files in " + work + ", removed on exit)");
        HttpServer web = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        web.createContext("/", exchange -> {
            byte[] body = PAGE.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        web.start();
        int webPort = web.getAddress().getPort();
        System.out.println("  web page     http://127.0.0.1:" + webPort + "/");

        start("rendezvous", List.of(launcher("rendezvous"), "--data-dir", work.resolve("rendezvous").toString(),
                "--bind", "127.0.0.1", "--port", "0", "--public-host", "127.0.0.1", "--stun-port", "0", "--dashboard", "127.0.0.1:0",
                "--domain", "localhost", "--http-port", "0", "--https-port", "off"), null);
        Path joinFile = work.resolve("rendezvous/join-code");
        String joinCode = waitFor(() -> Files.exists(joinFile) ? Files.readString(joinFile).trim() : null, "the rendezvous' join code");
        System.out.println("  rendezvous   " + joinCode.replaceAll(".*@([^?]+)\\?.*", "$1") + " (join code in " + joinFile + ")");

        BlockingQueue<JsonNode> exposeEvents = new LinkedBlockingQueue<>();
        start("expose", List.of(launcher("peer"), "expose", String.valueOf(webPort), "--name", "demo", "--http",
                "--server", joinCode, "--home", work.resolve("exposer").toString(), "--json"), exposeEvents);
        JsonNode exposed = next(exposeEvents, "exposed");
        String publicUrl = next(exposeEvents, "published").path("url").asText();
        System.out.println("  expose       127.0.0.1:" + webPort + " as '" + exposed.path("name").asText() + "', key " + exposed.path("key").asText());

        long connectStarted = System.nanoTime();
        BlockingQueue<JsonNode> connectEvents = new LinkedBlockingQueue<>();
        start("connect", List.of(launcher("peer"), "connect", "demo", "--server", joinCode,
                "--home", work.resolve("connector").toString(), "--json"), connectEvents);
        JsonNode ready = next(connectEvents, "ready");
        JsonNode path = next(connectEvents, "path");
        System.out.println("  connect      listening on " + ready.path("listen").asText());
        // The session starts on the relay; on one machine the punch takes milliseconds. Give it a moment.
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (!path.path("path").asText().equals("direct") && System.nanoTime() < until) {
            JsonNode later = connectEvents.poll(100, TimeUnit.MILLISECONDS);
            if (later != null && later.path("event").asText().equals("path")) {
                path = later;
            }
        }

        URI uri = URI.create("http://" + ready.path("listen").asText() + "/");
        HttpClient client = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build();
        long start = System.nanoTime();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        double millis = (System.nanoTime() - start) / 1e6;
        long again = System.nanoTime();
        client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        double againMillis = (System.nanoTime() - again) / 1e6;
        System.out.println();
        System.out.printf("fetched %s through the tunnel: HTTP %d in %.1f ms, %.1f s after 'peer connect' started"
                        + " (the first request includes this JVM loading its HTTP client; a second one took %.1f ms)%n",
                uri, response.statusCode(), millis, (start - connectStarted) / 1e9, againMillis);
        System.out.println("  " + response.body().trim());
        System.out.println(path.path("path").asText().equals("direct")
                ? "path used: direct to " + path.path("remote").asText() + ", rtt " + path.path("rtt_ms").asText()
                        + " ms, found " + path.path("elapsed_ms").asText() + " ms after the session opened"
                        + " (hole-punched UDP; end-to-end encrypted QUIC)"
                : "path used: relay via " + path.path("remote").asText()
                        + " (end-to-end encrypted QUIC; the rendezvous only forwards sealed packets)");
        // The friend's way in: no peer, just the public URL (browsers resolve *.localhost to this machine).
        long publicStart = System.nanoTime();
        String[] visited = fetchByName(URI.create(publicUrl));
        System.out.printf("fetched %s/ through the rendezvous' HTTP ingress, no peer on this side: HTTP %s in %.1f ms%n",
                publicUrl, visited[0], (System.nanoTime() - publicStart) / 1e6);
        if (!response.body().equals(PAGE) || !visited[1].equals(PAGE)) {
            System.err.println("demo: the page fetched through the tunnel differs from the one served");
            return 1;
        }
        if (!once) {
            System.out.println();
            System.out.println("Up: open http://" + ready.path("listen").asText() + "/ (through 'peer connect') or "
                    + publicUrl + "/ (public ingress) in a browser on this machine. Ctrl-C to stop.");
        }
        if (once) {
            web.stop(0);
        }
        return 0;
    }

    /** GET / on 127.0.0.1 with the URL's host as Host header, as DNS for *.localhost would route it; {status, body}. */
    private static String[] fetchByName(URI url) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", url.getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET / HTTP/1.1\r\nHost: " + url.getAuthority() + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int body = answer.indexOf("\r\n\r\n");
            return new String[] {answer.split(" ", 3)[1], body < 0 ? "" : answer.substring(body + 4)};
        }
    }

    private String launcher(String name) {
        return root.resolve("bin").resolve(name).toString();
    }

    private void start(String name, List<String> command, BlockingQueue<JsonNode> events) throws IOException {
        Path log = work.resolve(name + ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        processes.add(process);
        Thread pump = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = reader.readLine()) != null; ) {
                    Files.writeString(log, line + "\n", StandardCharsets.UTF_8,
                            StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                    if (events != null && line.startsWith("{")) {
                        events.add(JSON.readTree(line));
                    }
                }
            } catch (IOException e) {
                // The process ended.
            }
        }, "demo-" + name);
        pump.setDaemon(true);
        pump.start();
    }

    private interface Check<T> {
        T get() throws Exception;
    }

    private static <T> T waitFor(Check<T> check, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            T value = check.get();
            if (value != null) {
                return value;
            }
            Thread.onSpinWait();
            TimeUnit.MILLISECONDS.sleep(50);
        }
        throw new IOException("timed out waiting for " + what);
    }

    private JsonNode next(BlockingQueue<JsonNode> events, String event) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (true) {
            long left = deadline - System.nanoTime();
            JsonNode node = events.poll(Math.max(left, 0), TimeUnit.NANOSECONDS);
            if (node == null) {
                throw new IOException("timed out waiting for '" + event + "' (logs in " + work + ")");
            }
            if (node.path("event").asText().equals("error")) {
                throw new IOException(node.path("message").asText());
            }
            if (node.path("event").asText().equals(event)) {
                return node;
            }
        }
    }

    private void stop() {
        for (int i = processes.size() - 1; i >= 0; i--) {
            processes.get(i).destroy();
        }
        for (Process process : processes) {
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // The working files hold a token and keys: leave nothing behind.
        try (var files = Files.walk(work)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            System.err.println("demo: could not remove " + work + ": " + e.getMessage());
        }
    }
}
