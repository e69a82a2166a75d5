package dev.pinhole.rendezvous.cli;

import dev.pinhole.protocol.log.LogFormat;
import dev.pinhole.protocol.log.LogLevel;
import picocli.CommandLine.Option;

/** How much the server logs and in which format (docs/operations.md, "Logging"). */
final class LogOptions {
    /** What the two flags resolve to. */
    record Settings(LogLevel level, LogFormat format) {}

    @Option(names = "--log-level", paramLabel = "error|warn|info|debug", description = "Least severe lines logged (default: info).")
    String level;

    @Option(names = "--log-format", paramLabel = "text|json",
            description = "text: date, time, level and message; json: one object per line (default: text).")
    String format;

    Settings settings() {
        return new Settings(level == null ? LogLevel.INFO : LogLevel.parse(level),
                format == null ? LogFormat.TEXT : LogFormat.parse(format));
    }
}
