package dev.pinhole.protocol.log;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How much a long-running command says, most severe first: {@code --log-level} prints its level and those above. */
public enum LogLevel {
    ERROR, WARN, INFO, DEBUG;

    /** The name users type and JSON lines carry: {@code warn}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether a line of {@code level} is printed when this is the threshold. */
    public boolean allows(LogLevel level) {
        return level.ordinal() <= ordinal();
    }

    /** {@code error}, {@code warn}, {@code info} or {@code debug}, in any case. */
    public static LogLevel parse(String text) {
        for (LogLevel level : values()) {
            if (level.label().equalsIgnoreCase(text)) {
                return level;
            }
        }
        throw new IllegalArgumentException("--log-level " + text + " (expected: "
                + Arrays.stream(values()).map(LogLevel::label).collect(Collectors.joining(", ")) + ")");
    }
}
