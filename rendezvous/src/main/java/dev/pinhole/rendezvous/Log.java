package dev.pinhole.rendezvous;

import dev.pinhole.protocol.log.LogFormat;
import dev.pinhole.protocol.log.LogLevel;
import dev.pinhole.protocol.log.LogWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.time.Clock;

/**
 * Where the server says what happened. Tests pass a lambda that records every line whatever its level; the CLI
 * writes through a {@link LogWriter} with date, time and level (docs/operations.md, "Logging").
 */
@FunctionalInterface
public interface Log {
    void info(String line);

    /** Something the operator should look at (a guessed public address, a misbehaving peer). */
    default void warn(String line) {
        info(line);
    }

    /** Something failed that the server cannot put right (its state file cannot be written). */
    default void error(String line) {
        info(line);
    }

    /** Detail for finding a problem, hidden at the default level. */
    default void debug(String line) {
        info(line);
    }

    static Log to(LogWriter writer) {
        return new Log() {
            @Override
            public void info(String line) {
                writer.log(LogLevel.INFO, line);
            }

            @Override
            public void warn(String line) {
                writer.log(LogLevel.WARN, line);
            }

            @Override
            public void error(String line) {
                writer.log(LogLevel.ERROR, line);
            }

            @Override
            public void debug(String line) {
                writer.log(LogLevel.DEBUG, line);
            }
        };
    }

    /** Text lines at INFO and above. */
    static Log printingTo(PrintStream out) {
        return to(new LogWriter(new PrintWriter(out, true), LogLevel.INFO, LogFormat.TEXT, Clock.systemDefaultZone()));
    }
}
