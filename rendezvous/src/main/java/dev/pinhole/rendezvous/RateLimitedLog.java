package dev.pinhole.rendezvous;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A log for lines strangers can cause (refused tokens, refused connections, failed TLS handshakes): each kind
 * prints at most {@link #LINES_PER_MINUTE} lines a minute, then one line saying how many it left out. A
 * stranger cannot fill the disk or block an event loop on a slow terminal. The kinds are a few fixed words
 * chosen by the code, so the table stays small.
 */
public final class RateLimitedLog {
    /** Enough to see what is happening in an attack and to debug a misconfigured peer; little enough to read. */
    public static final int LINES_PER_MINUTE = 20;
    private static final long MINUTE_NANOS = 60_000_000_000L;

    private static final class Window {
        long start;
        int printed;
        int suppressed;
    }

    private final Log log;
    private final LongSupplier nanoTime;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();

    public RateLimitedLog(Log log, LongSupplier nanoTime) {
        this.log = log;
        this.nanoTime = nanoTime;
    }

    /** Logs {@code line} unless this minute's lines of {@code kind} are used up. */
    public void info(String kind, String line) {
        Window window = windows.computeIfAbsent(kind, k -> new Window());
        String summary = null;
        boolean print;
        synchronized (window) {
            long now = nanoTime.getAsLong();
            if (window.printed == 0 || now - window.start >= MINUTE_NANOS) {
                if (window.suppressed > 0) {
                    summary = "(" + window.suppressed + " more lines like '" + kind + "' left out in the last minute)";
                }
                window.start = now;
                window.printed = 0;
                window.suppressed = 0;
            }
            print = window.printed < LINES_PER_MINUTE;
            if (print) {
                window.printed++;
            } else {
                window.suppressed++;
            }
        }
        if (summary != null) {
            log.info(summary);
        }
        if (print) {
            log.info(line);
        }
    }
}
