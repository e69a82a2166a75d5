package dev.pinhole.peer.cli;

import dev.pinhole.peer.node.Output;
import dev.pinhole.protocol.log.LogFormat;
import dev.pinhole.protocol.log.LogLevel;
import java.time.Clock;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** How much a long-running peer command logs and in which format (docs/operations.md, "Logging"). */
final class LogOptions {
    @Option(names = "--log-level", paramLabel = "error|warn|info|debug", description = "Least severe lines logged (default: info).")
    String level;

    @Option(names = "--log-format", paramLabel = "text|json",
            description = "text: date, time, level and message; json: one object per line, as --json (default: text).")
    String format;

    /** Where the command's events go; {@code json} is --json, the same as --log-format json. */
    Output output(CommandSpec spec, boolean json) {
        return output(spec, json, null, null);
    }

    /** The same, with the defaults {@code peer up}'s file gives ({@code log_level}, {@code log_format}; null: none). */
    Output output(CommandSpec spec, boolean json, String fileLevel, String fileFormat) {
        String level = this.level != null ? this.level : fileLevel;
        String format = this.format != null ? this.format : fileFormat;
        LogLevel threshold = level == null ? LogLevel.INFO : LogLevel.parse(level);
        LogFormat chosen = format == null ? (json ? LogFormat.JSON : LogFormat.TEXT) : LogFormat.parse(format);
        if (json && chosen == LogFormat.TEXT) {
            throw new IllegalArgumentException("--json with --log-format text (expected: one of them)");
        }
        return Output.logging(spec.commandLine().getOut(), spec.commandLine().getErr(), threshold, chosen,
                Clock.systemDefaultZone());
    }
}
