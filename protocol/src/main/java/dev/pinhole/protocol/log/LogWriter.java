package dev.pinhole.protocol.log;

import java.io.PrintWriter;
import java.time.Clock;
import java.util.Map;

/**
 * Where a long-running command's log lines go: each line at or above the threshold, in the chosen format, one
 * line per call (whole lines even from several threads). No logging framework: a server and a peer print a
 * few lines a minute, and one class is easier to read than a framework's configuration (docs/operations.md,
 * "Logging").
 */
public final class LogWriter {
    private final PrintWriter out;
    private final LogLevel threshold;
    private final LogFormat format;
    private final Clock clock;

    public LogWriter(PrintWriter out, LogLevel threshold, LogFormat format, Clock clock) {
        this.out = out;
        this.threshold = threshold;
        this.format = format;
        this.clock = clock;
    }

    public LogFormat format() {
        return format;
    }

    public boolean enabled(LogLevel level) {
        return threshold.allows(level);
    }

    public void log(LogLevel level, String message) {
        log(level, message, Map.of());
    }

    /** @param fields JSON fields in order (a JSON line without fields carries {@code message}) */
    public void log(LogLevel level, String message, Map<String, Object> fields) {
        if (!enabled(level)) {
            return;
        }
        String line = format.line(clock, level, message, fields);
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }
}
