package dev.pinhole.diagnostics;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The routers between here and the server, from {@code tracepath} (iputils; no root needed: it reads
 * ICMP errors through IP_RECVERR, which plain Java sockets cannot). A carrier-grade NAT usually shows
 * as a hop in 100.64.0.0/10 behind the home router. Bounded: at most 6 hops and 3 seconds.
 */
final class PathTracer {
    static final long TIMEOUT_SECONDS = 3;
    private static final Pattern HOP = Pattern.compile("^\\s*(\\d+):\\s+(\\d+\\.\\d+\\.\\d+\\.\\d+)\\s", Pattern.MULTILINE);

    private PathTracer() {}

    /** The hops in order (the first router first), or null when tracepath is not available. */
    static List<InetAddress> hops(InetAddress server) {
        Process process;
        try {
            process = new ProcessBuilder("tracepath", "-n", "-m", "6", server.getHostAddress())
                    .redirectErrorStream(true).start();
        } catch (IOException notInstalled) {
            return null;
        }
        try {
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            return parse(new String(process.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
        } catch (IOException | InterruptedException e) {
            process.destroyForcibly();
            return null;
        }
    }

    static List<InetAddress> parse(String output) throws IOException {
        List<InetAddress> hops = new ArrayList<>();
        Matcher matcher = HOP.matcher(output);
        int last = 0;
        while (matcher.find()) {
            int ttl = Integer.parseInt(matcher.group(1));
            if (ttl != last) {
                hops.add(InetAddress.getByName(matcher.group(2)));
                last = ttl;
            }
        }
        return hops;
    }
}
