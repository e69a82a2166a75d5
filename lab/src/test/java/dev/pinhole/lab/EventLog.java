package dev.pinhole.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.Writer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/** Collects the JSON lines a peer prints with --json, so tests can wait for events. */
final class EventLog extends Writer {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final StringBuilder partial = new StringBuilder();
    private final List<JsonNode> events = new CopyOnWriteArrayList<>();
    private final List<String> lines = new CopyOnWriteArrayList<>();

    PrintWriter writer() {
        return new PrintWriter(this, true);
    }

    @Override
    public synchronized void write(char[] buffer, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            char c = buffer[i];
            if (c == '\n') {
                String line = partial.toString();
                partial.setLength(0);
                lines.add(line);
                try {
                    events.add(JSON.readTree(line));
                } catch (Exception notJson) {
                    // Text lines (stderr) are kept in lines only.
                }
            } else {
                partial.append(c);
            }
        }
    }

    Optional<JsonNode> last(String event) {
        JsonNode found = null;
        for (JsonNode node : events) {
            if (event.equals(node.path("event").asText())) {
                found = node;
            }
        }
        return Optional.ofNullable(found);
    }

    /** Whether the last path this peer printed is direct. */
    boolean direct() {
        return last("path").map(p -> p.path("path").asText().equals("direct")).orElse(false);
    }

    long count(String event) {
        return events.stream().filter(n -> event.equals(n.path("event").asText())).count();
    }

    List<String> lines() {
        return lines;
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}

    @Override
    public String toString() {
        return String.join("\n", lines);
    }
}
