package dev.pinhole.lab;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The user's path across the NAT lab, as processes: a rendezvous on the server (203.0.113.10, STUN on
 * 3478/3479), a byte source and {@code peer expose} in site A, {@code peer connect} in site B listening
 * on 127.0.0.1:{@value #LISTEN} there. Fetches run in site B through the tunnel.
 */
final class LabTunnel implements AutoCloseable {
    static final int SOURCE = 9000;
    static final int LISTEN = 9100;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final String CLASSPATH = System.getProperty("java.class.path");

    final NatLab lab;
    final Path dir;
    final Path connectLog;
    final Path exposeLog;

    private LabTunnel(NatLab lab, Path dir) {
        this.lab = lab;
        this.dir = dir;
        this.connectLog = dir.resolve("connect.log");
        this.exposeLog = dir.resolve("expose.log");
    }

    /** Something to do to the lab before {@code peer connect} starts. */
    interface Setup {
        void apply(NatLab lab) throws IOException;
    }

    /** Builds the lab and starts everything; returns once the connector listens. */
    static LabTunnel start(Path dir, String typeA, String typeB, String... labOptions) throws Exception {
        return start(dir, typeA, typeB, lab -> { }, labOptions);
    }

    static LabTunnel start(Path dir, String typeA, String typeB, Setup beforeConnect, String... labOptions) throws Exception {
        return start(dir, typeA, typeB, beforeConnect, false, labOptions);
    }

    /**
     * The same with a UDP service: {@link UdpEcho} on {@value #SOURCE} in site A, {@code expose --udp} and
     * {@code connect --udp}, which listens on UDP 127.0.0.1:{@value #LISTEN} in site B (docs/udp.md).
     */
    static LabTunnel startUdp(Path dir, String typeA, String typeB, Setup beforeConnect) throws Exception {
        return start(dir, typeA, typeB, beforeConnect, true);
    }

    private static LabTunnel start(Path dir, String typeA, String typeB, Setup beforeConnect, boolean udp,
                                   String... labOptions) throws Exception {
        NatLab lab = NatLab.up(typeA, typeB, labOptions);
        LabTunnel tunnel = new LabTunnel(lab, dir);
        try {
            Path rvLog = dir.resolve("rendezvous.log");
            lab.start("server", rvLog, JAVA, "-cp", CLASSPATH, "dev.pinhole.rendezvous.cli.RendezvousCli",
                    "--data-dir", dir.resolve("rv").toString(), "--bind", "203.0.113.10", "--port", "7000",
                    "--public-host", "203.0.113.10");
            String join = awaitMatch(rvLog, "(pinhole://\\S+)");
            lab.start("site-a", dir.resolve("source.log"), JAVA, "-cp", CLASSPATH,
                    udp ? "dev.pinhole.lab.UdpEcho" : "dev.pinhole.lab.Blob", "serve", String.valueOf(SOURCE));
            List<String> expose = new ArrayList<>(List.of(JAVA, "-cp", CLASSPATH, "dev.pinhole.peer.cli.PeerCli", "expose",
                    String.valueOf(SOURCE), "--name", "svc", "--server", join, "--home", dir.resolve("a").toString(), "--json"));
            List<String> connect = new ArrayList<>(List.of(JAVA, "-cp", CLASSPATH, "dev.pinhole.peer.cli.PeerCli", "connect",
                    "svc", "--listen", "127.0.0.1:" + LISTEN, "--server", join, "--home", dir.resolve("b").toString(), "--json"));
            if (udp) {
                expose.add("--udp");
                connect.add("--udp");
            }
            lab.start("site-a", tunnel.exposeLog, expose.toArray(String[]::new));
            awaitMatch(tunnel.exposeLog, "\"event\":\"(exposed)\"");
            beforeConnect.apply(lab);
            lab.start("site-b", tunnel.connectLog, connect.toArray(String[]::new));
            awaitMatch(tunnel.connectLog, "\"event\":\"(ready)\"");
            return tunnel;
        } catch (Exception | AssertionError e) {
            tunnel.close();
            throw e;
        }
    }

    /** Fetches {@code bytes} through the tunnel in site B; returns Blob's verdict line. */
    String fetch(long bytes, long bytesPerSecond, long timeoutSeconds) throws IOException {
        List<String> command = new ArrayList<>(List.of(JAVA, "-cp", CLASSPATH, "dev.pinhole.lab.Blob", "fetch", "127.0.0.1",
                String.valueOf(LISTEN), String.valueOf(bytes)));
        if (bytesPerSecond > 0) {
            command.add(String.valueOf(bytesPerSecond));
        }
        return lab.exec("site-b", timeoutSeconds, command.toArray(String[]::new)).output().trim();
    }

    /**
     * Sends {@code count} numbered datagrams of {@code size} bytes every {@code intervalMillis} through a UDP tunnel in
     * site B, from one source port (one flow); stops early once {@code stop} exists. Returns a process whose log ends
     * with {@link UdpEcho}'s verdict, {@code sent S intact I maxgap G}.
     */
    Process pingInBackground(Path log, int count, int size, int intervalMillis, Path stop) throws IOException {
        return lab.start("site-b", log, JAVA, "-cp", CLASSPATH, "dev.pinhole.lab.UdpEcho", "ping", "127.0.0.1",
                String.valueOf(LISTEN), String.valueOf(count), String.valueOf(size), String.valueOf(intervalMillis),
                stop.toString());
    }

    /** Starts a fetch in the background; its verdict goes to {@code log}. */
    Process fetchInBackground(Path log, long bytes, long bytesPerSecond) throws IOException {
        return lab.start("site-b", log, JAVA, "-cp", CLASSPATH, "dev.pinhole.lab.Blob", "fetch", "127.0.0.1",
                String.valueOf(LISTEN), String.valueOf(bytes), String.valueOf(bytesPerSecond));
    }

    /** A fetch's verdict: the last line of its log ({@code ok BYTES SECONDS stall S}, or {@code bad ...}). */
    static String verdict(Path fetchLog) throws IOException {
        String[] lines = read(fetchLog).trim().split("\n");
        return lines[lines.length - 1].trim();
    }

    /** Bytes a paced fetch has received so far, by its last {@code received} line (0 before the first MiB). */
    static long received(Path fetchLog) throws IOException {
        String log = read(fetchLog);
        long received = 0;
        // Complete lines only: the fetcher may be writing the last one right now.
        for (String line : log.substring(0, log.lastIndexOf('\n') + 1).split("\n")) {
            if (line.startsWith("received ")) {
                received = Long.parseLong(line.substring("received ".length()).trim());
            }
        }
        return received;
    }

    /** The connector's JSON events of one kind, in order. */
    List<JsonNode> events(Path log, String event) throws IOException {
        List<JsonNode> found = new ArrayList<>();
        for (String line : read(log).split("\n")) {
            if (line.startsWith("{")) {
                JsonNode node = JSON.readTree(line);
                if (node.path("event").asText().equals(event)) {
                    found.add(node);
                }
            }
        }
        return found;
    }

    /** The path the connector announced last ("direct" or "relay"). */
    String path() throws IOException {
        List<JsonNode> paths = events(connectLog, "path");
        return paths.isEmpty() ? "none" : paths.get(paths.size() - 1).path("path").asText();
    }

    /** The connector's path changes so far, e.g. [relay, direct]. */
    List<String> pathHistory() throws IOException {
        return events(connectLog, "path").stream().map(p -> p.path("path").asText()).toList();
    }

    Optional<JsonNode> firstDirect() throws IOException {
        return events(connectLog, "path").stream().filter(p -> p.path("path").asText().equals("direct")).findFirst();
    }

    String logs() throws IOException {
        return "--- connect\n" + read(connectLog) + "--- expose\n" + read(exposeLog);
    }

    static String read(Path log) throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    static String awaitMatch(Path log, String regex) {
        Pattern pattern = Pattern.compile(regex);
        return await().atMost(Duration.ofSeconds(30)).until(() -> {
            Matcher m = pattern.matcher(read(log));
            return m.find() ? m.group(1) : null;
        }, found -> found != null);
    }

    @Override
    public void close() throws IOException {
        lab.close();
    }
}
