package dev.pinhole.peer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.pinhole.peer.node.StatusFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/** {@code peer status}: the running expose/connect processes of this home, their sessions and paths. */
@Command(name = "status", description = "Show running expose/connect/up processes, their tunnels, sessions and paths.")
final class StatusCommand implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;
    @Mixin PeerOptions options;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        List<JsonNode> nodes = running(options.home().dir().resolve("run"));
        if (options.json) {
            ArrayNode array = StatusFile.JSON.createArrayNode();
            nodes.forEach(array::add);
            out.println(StatusFile.JSON.writeValueAsString(StatusFile.JSON.createObjectNode().set("nodes", array)));
        } else if (nodes.isEmpty()) {
            out.println("no peer expose/connect/up is running for this home");
        } else {
            long shownPid = -1;
            for (JsonNode node : nodes) {
                long pid = node.path("pid").asLong();
                boolean up = node.path("command").asText().equals("up");
                String indent = up ? "    " : "  ";
                if (up) {
                    if (pid != shownPid) {
                        out.println("up (pid " + pid + ") via " + node.path("server").asText() + ", since "
                                + node.path("started").asText());
                    }
                    out.println("  " + node.path("tunnel").asText() + ": " + local(node));
                } else {
                    out.println(node.path("role").asText() + " (pid " + pid + ") via "
                            + node.path("server").asText() + ", since " + node.path("started").asText());
                    if (!node.path("local").isNull() && !node.path("local").isMissingNode()) {
                        out.println("  " + local(node));
                    }
                }
                shownPid = pid;
                if (node.path("sessions").isEmpty()) {
                    out.println(indent + "no sessions");
                }
                for (JsonNode s : node.path("sessions")) {
                    String rtt = s.path("rtt_ms").isNumber() ? " rtt " + s.path("rtt_ms").asDouble() + " ms" : "";
                    out.println(indent + "session " + s.path("session").asText() + " '" + s.path("name").asText() + "' with "
                            + s.path("peer").asText() + ": " + s.path("path").asText() + " " + s.path("remote").asText()
                            + rtt);
                }
                JsonNode udp = node.path("udp");
                if (udp.isObject()) {
                    // docs/udp.md, "Counters"
                    out.println(indent + "udp: " + udp.path("flows").asInt() + " flows, " + udp.path("datagrams").asLong()
                            + " datagrams, " + udp.path("oversize").asLong() + " too large (max "
                            + udp.path("max_payload").asInt() + " bytes), " + udp.path("dropped").asLong() + " dropped, "
                            + udp.path("refused_flows").asLong() + " flows refused, " + udp.path("expired_flows").asLong()
                            + " expired");
                }
            }
        }
        out.flush();
        return 0;
    }

    /** Where a tunnel's local end is: the service an expose serves, the address a connect listens on. */
    private static String local(JsonNode node) {
        JsonNode local = node.path("local");
        boolean known = local.isTextual();
        return node.path("role").asText().equals("expose") ? "serves " + (known ? local.asText() : "?")
                : known ? "listens on " + local.asText() : "not listening yet";
    }

    /** Status files of live processes; files left by processes that died are removed. */
    static List<JsonNode> running(Path dir) throws IOException {
        List<JsonNode> nodes = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return nodes;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
            for (Path file : files) {
                long pid = StatusFile.pidOf(file);
                if (pid < 0) {
                    continue;
                }
                if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    try {
                        nodes.add(StatusFile.JSON.readTree(file.toFile()));
                    } catch (IOException e) {
                        // Being replaced right now; atomic renames make this rare. Skip it this time.
                    }
                } else {
                    Files.deleteIfExists(file);
                }
            }
        }
        // By process, then (for peer up) in the order its tunnels were started, which is the file's.
        nodes.sort(Comparator.<JsonNode>comparingLong(n -> n.path("pid").asLong()).thenComparingInt(n -> n.path("order").asInt()));
        return nodes;
    }
}
