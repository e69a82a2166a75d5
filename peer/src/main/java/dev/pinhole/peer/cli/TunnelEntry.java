package dev.pinhole.peer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * One {@code [[expose]]} or {@code [[connect]]} table of {@link TunnelsFile}: its keys become the command's flags,
 * which are parsed by picocli and checked by the command's own {@code check}, so that a value is refused exactly when
 * the flag would be; every message then speaks of keys, not flags.
 */
final class TunnelEntry {
    /** Options that are not keys of an entry: they are the process', given to {@code peer up} or at the file's top. */
    static final Set<String> NOT_KEYS = Set.of("--home", "--json", "--server", "--log-level", "--log-format", "--help",
            "--version");
    static final String BASIC_AUTH = "--basic-auth";
    /** Replaces {@code --basic-auth}: the name of an environment variable holding USER:PASS, never the password. */
    static final String BASIC_AUTH_ENV = "basic_auth_env";
    /** An environment variable's name as POSIX shells accept it. */
    private static final Pattern VARIABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern FLAG = Pattern.compile("--([a-z][a-z-]*)");

    private final TunnelsFile file;
    private final String role;
    private final int index;
    private final Map<String, ArgSpec> keys;

    TunnelEntry(TunnelsFile file, String role, int index) {
        this.file = file;
        this.role = role;
        this.index = index;
        this.keys = TunnelsFile.keys(role);
    }

    private int line(String key) {
        int line = TunnelsFile.lineOf(file.text(), role, index, key);
        return line > 0 ? line : TunnelsFile.lineOf(file.text(), role, index, null);
    }

    TunnelsFile.Tunnel read(JsonNode table) {
        int header = TunnelsFile.lineOf(file.text(), role, index, null);
        if (!table.isObject()) {
            throw file.wrongType(header, role, table, "a table, [[" + role + "]]");
        }
        Map<ArgSpec, List<String>> given = new LinkedHashMap<>();
        Map<ArgSpec, String> keyOf = new LinkedHashMap<>();
        String password = null;
        String passwordSource = BASIC_AUTH;
        for (Iterator<Map.Entry<String, JsonNode>> it = table.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String key = field.getKey();
            JsonNode value = field.getValue();
            ArgSpec arg = keys.get(key);
            if (arg == null) {
                throw new IllegalArgumentException(file.where(line(key)) + role + ": unknown key '" + key
                        + "' (expected one of: " + String.join(", ", keys.keySet()) + ")");
            }
            if (key.equals(BASIC_AUTH_ENV)) {
                passwordSource = BASIC_AUTH_ENV + " $" + value.asText();
                password = password(key, value);
                continue;
            }
            keyOf.put(arg, key);
            given.put(arg, args(key, arg, value));
        }
        List<String> required = keys.entrySet().stream().filter(e -> e.getValue().required()).map(Map.Entry::getKey).toList();
        for (String key : required) {
            if (!given.containsKey(keys.get(key))) {
                throw new IllegalArgumentException(file.where(header) + role + ": missing key '" + key
                        + "' (expected: every [[" + role + "]] has " + String.join(" and ", required) + ")");
            }
        }
        // In the command's order, whatever the file's, so that messages and logs show one form.
        List<String> args = new ArrayList<>();
        List<String> positional = new ArrayList<>();
        for (ArgSpec arg : keys.values()) {
            if (given.containsKey(arg)) {
                (arg.isOption() ? args : positional).addAll(given.get(arg));
            }
        }
        args.add("--");
        args.addAll(positional);
        try {
            if (role.equals(TunnelsFile.EXPOSE)) {
                ExposeCommand command = new ExposeCommand();
                new CommandLine(command).parseArgs(args.toArray(String[]::new));
                var checked = command.check(password, passwordSource);
                return new TunnelsFile.Tunnel(role, header, "expose " + checked.service().name(), args, checked, null);
            }
            ConnectCommand command = new ConnectCommand();
            new CommandLine(command).parseArgs(args.toArray(String[]::new));
            var checked = command.check();
            var target = checked.target();
            // Two connects of one name are told apart by their protocol and fixed listen addresses (TunnelsFile insists
            // on them): a UDP connect beside a TCP one of the same name is a tunnel of its own (docs/udp.md).
            String id = "connect " + target.name() + (checked.udpIdle() != null ? " udp" : "")
                    + (fixedPort(target.listenPort()) ? " on " + target.listenHost() + ":" + target.listenPort() : "");
            return new TunnelsFile.Tunnel(role, header, id, args, null, checked);
        } catch (CommandLine.ParameterException | IllegalArgumentException e) {
            throw refused(e.getMessage(), keyOf, header);
        }
    }

    /** Whether a connect listens on a port of its choosing: not the service's (null), not any free one (0). */
    static boolean fixedPort(Integer port) {
        return port != null && port != 0;
    }

    /** The arguments {@code key = value} stands for, once its type is the flag's. */
    private List<String> args(String key, ArgSpec arg, JsonNode value) {
        String flag = arg instanceof OptionSpec option ? option.longestName() : null;
        Class<?> type = arg.type();
        int line = line(key);
        if (type == boolean.class || type == Boolean.class) {
            if (!value.isBoolean()) {
                throw file.wrongType(line, role + "." + key, value, "true or false");
            }
            return value.booleanValue() ? List.of(flag) : List.of();
        }
        if (List.class.isAssignableFrom(type)) {
            if (!value.isArray()) {
                throw file.wrongType(line, role + "." + key, value, "a list of strings, like [\"" + arg.paramLabel() + "\"]");
            }
            List<String> args = new ArrayList<>();
            for (JsonNode item : value) {
                if (!item.isTextual()) {
                    throw file.wrongType(line, role + "." + key, value, "a list of strings, like [\"" + arg.paramLabel() + "\"]");
                }
                args.add(flag + "=" + item.asText());
            }
            return args;
        }
        String text;
        if (type == int.class || type == Integer.class) {
            if (!value.isIntegralNumber()) {
                throw file.wrongType(line, role + "." + key, value, "a whole number");
            }
            text = value.asText();
        } else if (value.isTextual() || value.isIntegralNumber()) {
            text = value.asText(); // a port may be written 8080 or "auto", a listen address 2222 or "127.0.0.1:2222"
        } else {
            throw file.wrongType(line, role + "." + key, value, "a string, like " + arg.paramLabel());
        }
        return flag == null ? List.of(text) : List.of(flag + "=" + text);
    }

    /** The password in the variable {@code basic_auth_env} names: the file names it, the process' environment holds it. */
    private String password(String key, JsonNode value) {
        int line = line(key);
        if (!value.isTextual() || !VARIABLE.matcher(value.asText()).matches()) {
            throw file.wrongType(line, role + "." + key, value, "the name of an environment variable, like \"NAS_WEB_AUTH\"");
        }
        String password = file.environment().apply(value.asText());
        if (password == null || password.isEmpty()) {
            throw new IllegalArgumentException(file.where(line) + role + "." + key + ": $" + value.asText()
                    + " is not set (expected: USER:PASS in the environment of peer up, e.g. the Environment= or"
                    + " EnvironmentFile= of its service)");
        }
        return password;
    }

    /** A check of the command refused the entry: the message in keys' words, at the line of the key it names first. */
    private IllegalArgumentException refused(String message, Map<ArgSpec, String> keyOf, int header) {
        String culprit = null;
        int first = Integer.MAX_VALUE;
        for (Map.Entry<String, ArgSpec> entry : keys.entrySet()) {
            ArgSpec arg = entry.getValue();
            String mention = arg instanceof OptionSpec option
                    ? (entry.getKey().equals(BASIC_AUTH_ENV) ? BASIC_AUTH_ENV : option.longestName()) : null;
            int at = arg instanceof OptionSpec ? indexOfFlag(message, mention) : -1;
            if (at < 0 && message.startsWith(entry.getKey() + " ")) {
                at = 0; // "port 0 (expected: ...)", "name 'a_b' is not a DNS label ..."
            }
            if (at >= 0 && at < first && (keyOf.containsKey(arg) || entry.getKey().equals(BASIC_AUTH_ENV))) {
                first = at;
                culprit = entry.getKey();
            }
        }
        Matcher flags = FLAG.matcher(message);
        StringBuilder words = new StringBuilder();
        while (flags.find()) {
            String flag = flags.group();
            boolean known = keys.values().stream().anyMatch(a -> a instanceof OptionSpec o && o.longestName().equals(flag));
            flags.appendReplacement(words, Matcher.quoteReplacement(known ? TunnelsFile.key(flag) : flag));
        }
        flags.appendTail(words);
        String text = words.toString().replaceFirst("^Invalid value for option '[^']*': ", "");
        int line = culprit == null ? header : line(culprit);
        return new IllegalArgumentException(file.where(line) + role + (culprit == null ? "" : "." + culprit) + ": " + text);
    }

    /** Where {@code flag} is mentioned as a whole flag ({@code --host}, not the start of {@code --host-header}). */
    private static int indexOfFlag(String message, String flag) {
        Matcher m = Pattern.compile(Pattern.quote(flag) + "(?![a-z-])").matcher(message);
        return m.find() ? m.start() : -1;
    }
}
