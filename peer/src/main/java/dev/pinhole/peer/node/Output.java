package dev.pinhole.peer.node;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pinhole.protocol.log.LogFormat;
import dev.pinhole.protocol.log.LogLevel;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a peer command tells its user: a line of text per event, or with {@code --json} one JSON object
 * per line ({@code {"event":"ready",...}}) for scripts. Errors go to stderr as text, to stdout as JSON.
 * The long-running commands log: each line also carries date, time and level, and {@code --log-level} leaves out
 * the less severe ones (docs/operations.md, "Logging"); events are INFO, notes WARN, errors ERROR.
 */
public final class Output {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final PrintWriter out;
    private final PrintWriter err;
    private final boolean json;
    /** Null for a one-shot command's plain answer; else the least severe level printed. */
    private final LogLevel threshold;
    private final Clock clock;
    /** Which of {@code peer up}'s tunnels the lines are about, or null. */
    private final String tunnel;
    /** Shared by an output and its {@link #tunnel(String)} copies, so that lines from many nodes never interleave. */
    private final Object lock;

    /** A one-shot command's output: plain lines, no date or level. */
    public Output(PrintWriter out, PrintWriter err, boolean json) {
        this(out, err, json, null, null, null, new Object());
    }

    private Output(PrintWriter out, PrintWriter err, boolean json, LogLevel threshold, Clock clock, String tunnel,
                   Object lock) {
        this.out = out;
        this.err = err;
        this.json = json;
        this.threshold = threshold;
        this.clock = clock;
        this.tunnel = tunnel;
        this.lock = lock;
    }

    /** A long-running command's output: log lines with date, time and level, from {@code threshold} up. */
    public static Output logging(PrintWriter out, PrintWriter err, LogLevel threshold, LogFormat format, Clock clock) {
        return new Output(out, err, format == LogFormat.JSON, threshold, clock, null, new Object());
    }

    /**
     * The same output for one tunnel of {@code peer up}: text lines start with {@code tunnel: }, JSON objects carry
     * {@code "tunnel"} after {@code "event"}.
     */
    public Output tunnel(String name) {
        return new Output(out, err, json, threshold, clock, name, lock);
    }

    /** @param fields key/value pairs, in order */
    public void event(String event, String text, Object... fields) {
        print(LogLevel.INFO, event, text, fields);
    }

    /** Something the user should know about that is not an event of its own (warnings, retries). */
    public void note(String text) {
        print(LogLevel.WARN, "note", text, "message", text);
    }

    /** An error once the command runs: a log line at ERROR (the reason it gives up, a refusal it met). */
    public void error(String message) {
        print(LogLevel.ERROR, "error", message, "message", message);
    }

    /**
     * Bad input found before anything started: {@code peer: error: ...} on stderr as for picocli's own usage errors
     * (or an error event with {@code --json}), whatever the log level (docs/cli.md, "Exit codes").
     */
    public void usage(String message) {
        if (json) {
            print(LogLevel.ERROR, "error", message, "message", message);
            return;
        }
        synchronized (lock) {
            err.println("peer: error: " + message);
            err.flush();
        }
    }

    private void print(LogLevel level, String event, String text, Object... fields) {
        synchronized (lock) {
            printLine(level, event, tunnel == null ? text : tunnel + ": " + text, tunnel, fields);
        }
    }

    private void printLine(LogLevel level, String event, String text, String tunnel, Object... fields) {
        if (threshold != null && !threshold.allows(level)) {
            return;
        }
        boolean toErr = level == LogLevel.ERROR && !json;
        PrintWriter to = toErr ? err : out;
        if (json) {
            Map<String, Object> object = new LinkedHashMap<>();
            object.put("event", event);
            if (tunnel != null) {
                object.put("tunnel", tunnel);
            }
            for (int i = 0; i + 1 < fields.length; i += 2) {
                object.put((String) fields[i], fields[i + 1]);
            }
            to.println(threshold == null ? plainJson(object) : LogFormat.JSON.line(clock, level, text, object));
        } else if (threshold == null) {
            to.println(toErr ? "peer: error: " + text : text);
        } else {
            to.println(LogFormat.TEXT.line(clock, level, text, Map.of()));
        }
        to.flush();
    }

    private static String plainJson(Map<String, Object> object) {
        try {
            return JSON.writeValueAsString(object);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
