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
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/** {@code peer status}: the running expose/connect processes of this home, their sessions and paths. */
@Command(name = "status", description = "Show running expose/connect processes, their sessions and paths.")
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
            out.println("no peer expose/connect is running for this home");
        } else {
            for (JsonNode node : nodes) {
                out.println(node.path("role").asText() + " (pid " + node.path("pid").asLong() + ") via "
                        + node.path("server").asText() + ", since " + node.path("started").asText());
                if (node.path("sessions").isEmpty()) {
                    out.println("  no sessions");
                }
                for (JsonNode s : node.path("sessions")) {
                    String rtt = s.path("rtt_ms").isNumber() ? " rtt " + s.path("rtt_ms").asDouble() + " ms" : "";
                    out.println("  session " + s.path("session").asText() + " '" + s.path("name").asText() + "' with "
                            + s.path("peer").asText() + ": " + s.path("path").asText() + " " + s.path("remote").asText()
                            + rtt);
                }
            }
        }
        out.flush();
        return 0;
    }

    /** Status files of live processes; files left by processes that died are removed. */
    static List<JsonNode> running(Path dir) throws IOException {
        List<JsonNode> nodes = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return nodes;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                long pid;
                try {
                    pid = Long.parseLong(name.substring(0, name.length() - 5));
                } catch (NumberFormatException e) {
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
        nodes.sort((a, b) -> Long.compare(a.path("pid").asLong(), b.path("pid").asLong()));
        return nodes;
    }
}
