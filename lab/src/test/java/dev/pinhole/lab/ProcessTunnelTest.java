package dev.pinhole.lab;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
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
}
