package dev.pinhole.protocol.log;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * How a log line looks (docs/operations.md, "Logging"): {@code text} is
 * {@code 2025-06-01 14:03:07.512 INFO  message} in the machine's time zone, for people and journald;
 * {@code json} is one object per line, {@code {"time":"2025-06-01T12:03:07.512Z","level":"info",...}}, for log
 * shippers.
 */
public enum LogFormat {
    TEXT, JSON;

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    /** {@code text} or {@code json}, in any case. */
    public static LogFormat parse(String text) {
        for (LogFormat format : values()) {
            if (format.name().equalsIgnoreCase(text)) {
                return format;
            }
        }
        throw new IllegalArgumentException("--log-format " + text + " (expected: text, json)");
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * One line, without its line break.
     *
     * @param message the text line; in JSON it is the {@code message} field unless {@code fields} carry their own
     * @param fields  key/value pairs in order, JSON only (the text line says it all)
     */
    public String line(Clock clock, LogLevel level, String message, Map<String, Object> fields) {
        Instant now = clock.instant();
        if (this == TEXT) {
            String when = STAMP.format(now.atZone(clock.getZone()));
            return when + " " + String.format(Locale.ROOT, "%-5s", level.name()) + " " + message;
        }
        Map<String, Object> object = new LinkedHashMap<>();
        object.put("time", DateTimeFormatter.ISO_INSTANT.format(now.truncatedTo(ChronoUnit.MILLIS)));
        object.put("level", level.label());
        if (fields.isEmpty()) {
            object.put("message", message);
        }
        object.putAll(fields);
        try {
            return MAPPER.writeValueAsString(object);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
