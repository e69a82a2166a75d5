package dev.pinhole.rendezvous.cli;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The {@code rendezvous --config FILE}: every flag of the command is a key, named as the flag without its dashes
 * in snake_case ({@code --public-host} is {@code public_host}), the quotas and budgets of {@link LimitOptions} in
 * a {@code [limits]} table (docs/operations.md, "Rendezvous config file"). A value is checked exactly as the
 * flag's would be, by parsing it as that flag; a flag on the command line wins over its key.
 */
final class ConfigFile {
    /** The table holding the flags of the {@code limits} mixin; every other flag is a top-level key. */
    static final String LIMITS = "limits";
    /** Flags that are not settings: the file itself, and what prints and exits. */
    private static final Set<String> NOT_KEYS = Set.of("--config", "--help", "--version");

    /** One key of the file: where it is, the flag it sets and that flag's arguments. */
    record Entry(String key, int line, String flag, List<String> args) {}

    private final Path file;
    private final List<Entry> entries;

    private ConfigFile(Path file, List<Entry> entries) {
        this.file = file;
        this.entries = entries;
    }

    /** The flags a config file may set, by key: top-level keys, and {@code limits.KEY} for the limits table. */
    static Map<String, OptionSpec> keys(CommandSpec spec) {
        CommandSpec limits = spec.mixins().get(LIMITS);
        Map<String, OptionSpec> keys = new TreeMap<>();
        for (OptionSpec option : spec.options()) {
            if (NOT_KEYS.contains(option.longestName())) {
                continue;
            }
            boolean inLimits = limits != null && limits.findOption(option.longestName()) != null;
            keys.put((inLimits ? LIMITS + "." : "") + key(option), option);
        }
        return keys;
    }

    /** {@code --max-sessions-per-peer} is {@code max_sessions_per_peer}. */
    static String key(OptionSpec option) {
        return option.longestName().replaceFirst("^-+", "").replace('-', '_');
    }

    /**
     * Reads and checks {@code file} against the flags of {@code spec}: an unknown key, a value of the wrong type or
     * one its flag refuses throws IllegalArgumentException naming the file, line and key.
     */
    static ConfigFile read(Path file, CommandSpec spec) throws IOException {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("--config " + file + ": no such file");
        }
        boolean json = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json");
        JsonNode root;
        try {
            ObjectMapper mapper = json ? new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                    : new TomlMapper();
            root = mapper.readTree(text);
        } catch (JacksonException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            String[] lines = text.split("\n", -1);
            while (line > 1 && (line > lines.length || lines[line - 1].isBlank())) {
                line--; // the TOML reader reports some errors at the line break after the key
            }
            String at = line > 0 && line <= lines.length ? " at '" + lines[line - 1].strip() + "'" : "";
            throw new IllegalArgumentException(where(file, line) + e.getOriginalMessage() + at
                    + (json ? " (expected: a JSON object)" : " (expected: TOML, key = value lines)"));
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(where(file, 0) + "not a table of keys (expected: key = value lines)");
        }
        Map<String, OptionSpec> keys = keys(spec);
        List<Entry> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (field.getKey().equals(LIMITS)) {
                if (!field.getValue().isObject()) {
                    throw wrongType(file, lineOf(text, json, LIMITS), LIMITS, field.getValue(), "a table, [limits]");
                }
                for (Iterator<Map.Entry<String, JsonNode>> inner = field.getValue().fields(); inner.hasNext(); ) {
                    Map.Entry<String, JsonNode> limit = inner.next();
                    entries.add(entry(file, text, json, keys, LIMITS + "." + limit.getKey(), limit.getValue()));
                }
            } else {
                entries.add(entry(file, text, json, keys, field.getKey(), field.getValue()));
            }
        }
        ConfigFile config = new ConfigFile(file, entries);
        config.checkTogether();
        return config;
    }

    /** Sets each flag the command line left out to the file's value. */
    void applyTo(CommandSpec spec) {
        CommandLine.ParseResult given = spec.commandLine() == null ? null : spec.commandLine().getParseResult();
        for (Entry entry : entries) {
            OptionSpec target = spec.findOption(entry.flag());
            if (given != null && given.hasMatchedOption(target)) {
                continue;
            }
            CommandLine alone = new CommandLine(new RendezvousCli());
            alone.parseArgs(entry.args().toArray(String[]::new));
            target.setValue(alone.getCommandSpec().findOption(entry.flag()).getValue());
        }
    }

    /** Values each fine alone may still clash (--http-port without --domain): the file's keys as one command line. */
    private void checkTogether() throws IOException {
        List<String> args = new ArrayList<>();
        entries.forEach(e -> args.addAll(e.args()));
        RendezvousCli together = new RendezvousCli();
        new CommandLine(together).parseArgs(args.toArray(String[]::new));
        try {
            together.settings();
            together.logging();
        } catch (IllegalArgumentException e) {
            Entry culprit = null;
            int first = Integer.MAX_VALUE;
            for (Entry entry : entries) {
                int at = e.getMessage().indexOf(entry.flag());
                if (at >= 0 && at < first) {
                    first = at;
                    culprit = entry;
                }
            }
            if (culprit == null) { // a limit's own message ("sessions per peer: 0 ..."): find the key that fails alone
                for (Entry entry : entries) {
                    if (!alone(entry)) {
                        culprit = entry;
                        break;
                    }
                }
            }
            throw new IllegalArgumentException(culprit == null ? where(file, 0) + e.getMessage()
                    : where(file, culprit.line()) + culprit.key() + ": " + e.getMessage());
        }
    }

    private static boolean alone(Entry entry) throws IOException {
        RendezvousCli cli = new RendezvousCli();
        new CommandLine(cli).parseArgs(entry.args().toArray(String[]::new));
        try {
            cli.settings();
            cli.logging();
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static Entry entry(Path file, String text, boolean json, Map<String, OptionSpec> keys, String key,
                               JsonNode value) {
        int line = lineOf(text, json, key);
        OptionSpec option = keys.get(key);
        if (option == null) {
            throw new IllegalArgumentException(where(file, line) + "unknown key '" + key + "' (expected one of: "
                    + String.join(", ", keys.keySet()) + ")");
        }
        String flag = option.longestName();
        List<String> args = new ArrayList<>();
        Class<?> type = option.type();
        if (type == boolean.class || type == Boolean.class) {
            if (!value.isBoolean()) {
                throw wrongType(file, line, key, value, "true or false");
            }
            if (value.booleanValue()) {
                args.add(flag);
            }
        } else if (type == Integer.class || type == int.class) {
            if (!value.isIntegralNumber()) {
                throw wrongType(file, line, key, value, "a whole number");
            }
            args.addAll(List.of(flag, value.asText()));
        } else if (type == Double.class || type == double.class) {
            if (!value.isNumber()) {
                throw wrongType(file, line, key, value, "a number");
            }
            args.addAll(List.of(flag, value.asText()));
        } else if (value.isTextual() || type == String.class && value.isIntegralNumber()) {
            args.addAll(List.of(flag, value.asText())); // a port may be written 8080 or "off"
        } else {
            throw wrongType(file, line, key, value, "a string, like " + flag + " " + option.paramLabel());
        }
        try {
            new CommandLine(new RendezvousCli()).parseArgs(args.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw new IllegalArgumentException(where(file, line) + key + ": "
                    + e.getMessage().replaceFirst("^Invalid value for option '[^']*': ", ""));
        }
        return new Entry(key, line, flag, List.copyOf(args));
    }

    private static IllegalArgumentException wrongType(Path file, int line, String key, JsonNode value, String expected) {
        String kind = value.isTextual() ? "a string" : value.isBoolean() ? "a boolean" : value.isNumber() ? "a number"
                : value.isArray() ? "an array" : value.isObject() ? "a table" : value.getNodeType().toString();
        return new IllegalArgumentException(where(file, line) + key + ": " + value + " is " + kind + " (expected: "
                + expected + ")");
    }

    private static String where(Path file, int line) {
        return "--config " + file + (line > 0 ? ":" + line : "") + ": ";
    }

    /**
     * The line a key is on, found in the text (Jackson's TOML reader keeps no positions): {@code key =} in TOML
     * under the right {@code [table]}, {@code "key":} in JSON after its table's name. 0 when not found (a dotted
     * or quoted key written in a way this does not look for); the message then names file and key only.
     */
    static int lineOf(String text, boolean json, String key) {
        int dot = key.indexOf('.');
        String table = dot < 0 ? "" : key.substring(0, dot);
        String name = key.substring(dot + 1);
        Pattern assignment = json ? Pattern.compile("\"" + Pattern.quote(name) + "\"\\s*:")
                : Pattern.compile("^\\s*\"?" + Pattern.quote(name) + "\"?\\s*=");
        Pattern header = json ? Pattern.compile("\"" + Pattern.quote(table) + "\"\\s*:\\s*\\{")
                : Pattern.compile("^\\s*\\[\\s*([A-Za-z0-9_.-]*)\\s*]");
        String current = "";
        boolean inTable = table.isEmpty();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            var headerMatch = header.matcher(lines[i]);
            if (json) {
                if (!table.isEmpty() && headerMatch.find()) {
                    inTable = true;
                }
            } else if (headerMatch.find()) {
                current = headerMatch.group(1);
            }
            boolean here = json ? inTable : current.equals(table);
            if (here && assignment.matcher(lines[i]).find()) {
                return i + 1;
            }
        }
        return 0;
    }
}
