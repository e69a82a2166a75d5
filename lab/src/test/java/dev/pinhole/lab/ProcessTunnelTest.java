package dev.pinhole.lab;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commands as separate processes, the way a user runs them: their output, exit codes and Ctrl-C. */
class ProcessTunnelTest {
    @TempDir Path dir;
    private final List<Process> processes = new ArrayList<>();

    Process start(Path log, String main, String... args) throws IOException {
        return start(log, Map.of(), main, args);
    }

    Process start(Path log, Map<String, String> env, String main, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), main));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(env);
        Process process = builder.start();
        processes.add(process);
        return process;
    }

    String read(Path log) throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    String awaitMatch(Path log, String regex) {
        Pattern pattern = Pattern.compile(regex);
        return await().atMost(Duration.ofSeconds(30)).until(() -> {
            Matcher m = pattern.matcher(read(log));
            return m.find() ? m.group(1) : null;
        }, found -> found != null);
    }

    /** Starts a rendezvous process and returns its join code. */
    String startRendezvous(Path log) throws IOException {
        start(log, "dev.pinhole.rendezvous.cli.RendezvousCli", "--data-dir", dir.resolve("rv").toString(),
                "--bind", "127.0.0.1", "--port", "0", "--public-host", "127.0.0.1", "--stun-port", "0", "--dashboard", "127.0.0.1:0");
        return awaitMatch(log, "(pinhole://\\S+)");
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (Process p : processes) {
            p.destroy();
        }
        for (Process p : processes) {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void rendezvousExposeAndConnectAsProcesses() throws Exception {
        try (LocalWebServer web = new LocalWebServer()) {
            String join = startRendezvous(dir.resolve("rendezvous.log"));
            assertTrue(Files.readString(dir.resolve("rv/join-code")).contains(join));

            Path exposeLog = dir.resolve("expose.log");
            start(exposeLog, "dev.pinhole.peer.cli.PeerCli", "expose", String.valueOf(web.port()), "--name", "web",
                    "--server", join, "--home", dir.resolve("a").toString());
            String key = awaitMatch(exposeLog, "key: (sha256:\\S+)");
            assertTrue(read(exposeLog).contains("others connect with: bin/peer connect web --expect-key " + key));

            Path connectLog = dir.resolve("connect.log");
            start(connectLog, "dev.pinhole.peer.cli.PeerCli", "connect", "web", "--expect-key", key, "--json",
                    "--server", join, "--home", dir.resolve("b").toString());
            String listen = awaitMatch(connectLog, "\"event\":\"ready\",\"listen\":\"([^\"]+)\"");
            awaitMatch(connectLog, "\"event\":\"path\",\"path\":\"(relay|direct)\"");

            HttpResponse<String> response = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://" + listen + "/hello")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(LocalWebServer.HELLO, response.body());
        }
    }

    @Test
    void wrongTokenEndsThePeerWithANonZeroExitNamingTheToken() throws Exception {
        Path rvLog = dir.resolve("rendezvous.log");
        String join = startRendezvous(rvLog);
        String wrong = join.replaceFirst("pht_[0-9a-f]{8}_[A-Za-z0-9_-]+", "pht_12345678_" + "A".repeat(43));
        Path log = dir.resolve("connect.log");
        Process connect = start(log, "dev.pinhole.peer.cli.PeerCli", "connect", "web", "--server", wrong,
                "--home", dir.resolve("b").toString());
        assertTrue(connect.waitFor(30, TimeUnit.SECONDS));
        assertEquals(2, connect.exitValue());
        assertTrue(read(log).contains(" ERROR the rendezvous refused token 12345678"), read(log));
    }

    @Test
    void basicAuthFromTheEnvironmentIsForHttpIngressOnlyAndDoesNotBreakOtherExposes() throws Exception {
        Path rvLog = dir.resolve("rendezvous.log");
        start(rvLog, "dev.pinhole.rendezvous.cli.RendezvousCli", "--data-dir", dir.resolve("rv").toString(),
                "--bind", "127.0.0.1", "--port", "0", "--public-host", "127.0.0.1", "--no-stun", "--no-dashboard",
                "--domain", "pinhole.test", "--http-port", "0", "--https-port", "off");
        String join = awaitMatch(rvLog, "(pinhole://\\S+)");
        Map<String, String> env = Map.of("PINHOLE_BASIC_AUTH", "ann:s3cret");
        Path peersOnly = dir.resolve("peers-only.log");
        start(peersOnly, env, "dev.pinhole.peer.cli.PeerCli", "expose", "8080", "--name", "ssh",
                "--server", join, "--home", dir.resolve("a").toString());
        awaitMatch(peersOnly, "(exposing 127.0.0.1:8080 as 'ssh')");
        Path http = dir.resolve("http.log");
        start(http, env, "dev.pinhole.peer.cli.PeerCli", "expose", "8081", "--name", "web", "--http",
                "--server", join, "--home", dir.resolve("b").toString());
        assertTrue(awaitMatch(http, "(public: http://web\\.pinhole\\.test:[0-9]+ .*)").contains("with the password"), read(http));
    }

    @Test
    void ctrlCStopsAPeerCleanly() throws Exception {
        Path rvLog = dir.resolve("rendezvous.log");
        String join = startRendezvous(rvLog);
        Path log = dir.resolve("expose.log");
        Process expose = start(log, "dev.pinhole.peer.cli.PeerCli", "expose", "8080", "--name", "web",
                "--server", join, "--home", dir.resolve("a").toString());
        awaitMatch(log, "(exposing)");
        expose.destroy(); // SIGTERM, what Ctrl-C's SIGINT also triggers: the shutdown hook runs
        assertTrue(expose.waitFor(10, TimeUnit.SECONDS));
        await().atMost(Duration.ofSeconds(10)).until(() -> read(rvLog).contains("service 'web' offline"));
    }

    private static final String RENDEZVOUS = "dev.pinhole.rendezvous.cli.RendezvousCli";
    private static final String PEER = "dev.pinhole.peer.cli.PeerCli";

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** A rendezvous with fixed ports (control, HTTP ingress, one public TCP port), so a restart comes back on them. */
    String[] rendezvousOnFixedPorts(int control, int http, int tcp) {
        return new String[] {"--data-dir", dir.resolve("rv").toString(), "--bind", "127.0.0.1", "--port", String.valueOf(control),
            "--public-host", "127.0.0.1", "--no-stun", "--no-dashboard", "--domain", "pinhole.test",
            "--http-port", String.valueOf(http), "--https-port", "off", "--allow-ports", tcp + "-" + tcp};
    }

    /** What a visitor without a peer sees: the service by its HTTP name and by its public TCP port. */
    static void assertPublic(int http, int tcp) throws IOException {
        try (RawHttp visitor = new RawHttp("127.0.0.1", http)) {
            RawHttp.Response response = visitor.get("web.pinhole.test:" + http, "/hello");
            assertEquals(200, response.status(), response.body());
            assertEquals(LocalWebServer.HELLO, response.body());
        }
        try (Socket visitor = new Socket(InetAddress.getLoopbackAddress(), tcp)) {
            visitor.setSoTimeout(10_000);
            visitor.getOutputStream().write("GET /hello HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String answer = new String(visitor.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(answer.endsWith(LocalWebServer.HELLO), answer);
        }
    }

    void awaitPublic(int http, int tcp, Path exposeLog) throws IOException {
        try {
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .untilAsserted(() -> assertPublic(http, tcp));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("not public again; the exposer printed:\n" + read(exposeLog), e);
        }
    }

    /** A new {@code peer connect} process, typed as a user types it, reaches the service. */
    void assertANewConnectorReaches(String join, String key, String home) throws Exception {
        Path log = dir.resolve(home + "-connect.log");
        start(log, PEER, "connect", "web", "--expect-key", key, "--listen", "127.0.0.1:0", "--json",
                "--server", join, "--home", dir.resolve(home).toString());
        String listen = awaitMatch(log, "\"event\":\"ready\",\"listen\":\"([^\"]+)\"");
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://" + listen + "/hello")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(LocalWebServer.HELLO, response.body(), read(log));
    }

    /**
     * The rendezvous restarts (it forgets every publication: only tokens and names survive it): the exposer logs in
     * again, registers and publishes its HTTP name and TCP port again, and a new connector reaches the service.
     */
    @Test
    void anExposerPublishesAgainAfterTheRendezvousRestartsAndNewConnectorsReachIt() throws Exception {
        try (LocalWebServer web = new LocalWebServer()) {
            int http = freePort();
            int tcp = freePort();
            String[] rendezvous = rendezvousOnFixedPorts(freePort(), http, tcp);
            Process first = start(dir.resolve("rendezvous.log"), RENDEZVOUS, rendezvous);
            String join = awaitMatch(dir.resolve("rendezvous.log"), "(pinhole://\\S+)");
            Path exposeLog = dir.resolve("expose.log");
            start(exposeLog, PEER, "expose", String.valueOf(web.port()), "--name", "web", "--http", "--tcp-port", "auto",
                    "--server", join, "--home", dir.resolve("a").toString());
            String key = awaitMatch(exposeLog, "key: (sha256:\\S+)");
            awaitMatch(exposeLog, "(public: tcp://127\\.0\\.0\\.1:" + tcp + ")");
            assertPublic(http, tcp);

            first.destroy();
            assertTrue(first.waitFor(10, TimeUnit.SECONDS));
            Path again = dir.resolve("rendezvous-again.log");
            start(again, RENDEZVOUS, rendezvous);
            awaitMatch(exposeLog, "(re-registered 'web' after reconnecting)");
            awaitMatch(again, "(service 'web' public at tcp://\\S+)");
            awaitPublic(http, tcp, exposeLog);
            assertANewConnectorReaches(join, key, "b");
        }
    }

    /**
     * The exposer's control connection is cut (a NAT forgot it, a link reset) while the rendezvous stays up: the
     * rendezvous takes the service offline and closes its public port; once the exposer is back it publishes again.
     */
    @Test
    void anExposerWhoseControlConnectionIsCutPublishesAgainOnceItIsBack() throws Exception {
        int control = freePort();
        int http = freePort();
        int tcp = freePort();
        Path rvLog = dir.resolve("rendezvous.log");
        try (LocalWebServer web = new LocalWebServer(); TcpForwarder link = new TcpForwarder(control)) {
            start(rvLog, RENDEZVOUS, rendezvousOnFixedPorts(control, http, tcp));
            String join = awaitMatch(rvLog, "(pinhole://\\S+)");
            String viaLink = join.replace("@127.0.0.1:" + control + "?", "@127.0.0.1:" + link.port() + "?");
            assertTrue(!viaLink.equals(join), join);
            Path exposeLog = dir.resolve("expose.log");
            start(exposeLog, PEER, "expose", String.valueOf(web.port()), "--name", "web", "--http", "--tcp-port", "auto",
                    "--server", viaLink, "--home", dir.resolve("a").toString());
            String key = awaitMatch(exposeLog, "key: (sha256:\\S+)");
            awaitMatch(exposeLog, "(public: tcp://127\\.0\\.0\\.1:" + tcp + ")");
            assertPublic(http, tcp);

            link.cut();
            awaitMatch(rvLog, "(service 'web' offline)");
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                try (Socket probe = new Socket(InetAddress.getLoopbackAddress(), tcp)) {
                    return false;
                } catch (IOException refused) {
                    return true; // the public port closed with its exposer's connection
                }
            });
            link.reopen();
            awaitMatch(exposeLog, "(re-registered 'web' after reconnecting)");
            awaitPublic(http, tcp, exposeLog);
            assertANewConnectorReaches(join, key, "b");
        }
    }
}
