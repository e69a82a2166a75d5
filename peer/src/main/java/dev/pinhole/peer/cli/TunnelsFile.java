package dev.pinhole.peer.cli;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.pinhole.protocol.log.LogFormat;
import dev.pinhole.protocol.log.LogLevel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;

/**
 * {@code peer up}'s config file (docs/operations.md, "peer up: many tunnels in one process"): {@code [[expose]]} and
 * {@code [[connect]]} entries whose keys are the flags of {@code peer expose} and {@code peer connect} in snake_case
 * ({@code --tcp-port} is {@code tcp_port}, the arguments {@code port} and {@code name}), and the top-level keys
 * {@code log_level} and {@code log_format}. An entry is checked by parsing it as its command's flags and running that
 * command's own checks, so the file accepts exactly what the command line does; an error names file, line and key.
 */
final class TunnelsFile {
    static final String EXPOSE = "expose";
    static final String CONNECT = "connect";
    /** Top-level keys: the two kinds of entry, and what is common to the process. */
    static final Set<String> TOP_LEVEL = Set.of(CONNECT, EXPOSE, "log_format", "log_level");

    /** A tunnel of the file: where it is, the flags it amounts to (in the command's order) and what they ask for. */
    record Tunnel(String role, int line, String id, List<String> args, ExposeCommand.Checked expose,
                  ConnectCommand.Checked connect) {
        /** Whether a reload may leave this tunnel running: it asks for exactly what {@code other} asks for, checked. */
        boolean sameAs(Tunnel other) {
            return id.equals(other.id) && Objects.equals(expose, other.expose) && Objects.equals(connect, other.connect);
        }
    }

    /** The file as read: its text (a reload compares it), its tunnels in file order, and the common keys (or null). */
    record Contents(String text, List<Tunnel> tunnels, String logLevel, String logFormat) {}

    private final Path file;
    private final String text;
    private final Function<String, String> environment;

    private TunnelsFile(Path file, String text, Function<String, String> environment) {
        this.file = file;
        this.text = text;
        this.environment = environment;
    }

    /**
     * Reads and checks {@code file}.
     *
     * @param environment looks up the variables {@code basic_auth_env} names (System::getenv)
     * @throws IllegalArgumentException naming the file, line and key of the first problem
     */
    static Contents read(Path file, Function<String, String> environment) throws IOException {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file (expected: [[expose]] and [[connect]] entries,"
                    + " see docs/operations.md, \"peer up: many tunnels in one process\")");
        }
        return new TunnelsFile(file, text, environment).contents();
    }

    private Contents contents() {
        JsonNode root;
        try {
            root = new TomlMapper().readTree(text);
        } catch (JacksonException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            String[] lines = text.split("\n", -1);
            while (line > 1 && (line > lines.length || lines[line - 1].isBlank())) {
                line--; // the TOML reader reports some errors at the line break after the key
            }
            String at = line > 0 && line <= lines.length ? " at '" + lines[line - 1].strip() + "'" : "";
            throw new IllegalArgumentException(where(line) + e.getOriginalMessage() + at + " (expected: TOML)");
        }
        if (root == null) {
            return new Contents(text, List.of(), null, null); // an empty file: no tunnels yet
        }
        String level = null;
        String format = null;
        List<Tunnel> tunnels = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String key = field.getKey();
            JsonNode value = field.getValue();
            int line = lineOf(text, null, 0, key);
            switch (key) {
                case EXPOSE, CONNECT -> {
                    if (!value.isArray()) {
                        throw wrongType(line, key, value, "entries written [[" + key + "]]");
                    }
                    for (int i = 0; i < value.size(); i++) {
                        tunnels.add(new TunnelEntry(this, key, i).read(value.get(i)));
                    }
                }
                case "log_level", "log_format" -> {
                    if (!value.isTextual()) {
                        throw wrongType(line, key, value, "a string");
                    }
                    try {
                        if (key.equals("log_level")) {
                            LogLevel.parse(value.asText());
                            level = value.asText();
                        } else {
                            LogFormat.parse(value.asText());
                            format = value.asText();
                        }
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException(where(line) + key + ": " + e.getMessage());
                    }
                }
                default -> throw new IllegalArgumentException(where(line) + "unknown key '" + key
                        + "' (expected one of: " + String.join(", ", new TreeSet<>(TOP_LEVEL)) + ")");
            }
        }
        tunnels.sort((a, b) -> Integer.compare(a.line(), b.line()));
        checkDuplicates(tunnels);
        return new Contents(text, List.copyOf(tunnels), level, format);
    }

    /**
     * Two exposes of one name, two connects listening on one address, or two connects of one name sharing a default.
     * A TCP and a UDP connect never clash: their listeners are different sockets even on one HOST:PORT (docs/udp.md,
     * "In peer up"). Two exposes of one name do, whatever they carry: a name is one registration (tcp and udp in one
     * [[expose]] carry both).
     */
    private void checkDuplicates(List<Tunnel> tunnels) {
        Map<String, Tunnel> exposed = new HashMap<>();
        Map<String, Tunnel> listening = new HashMap<>();
        Map<String, Tunnel> connected = new HashMap<>();
        for (Tunnel tunnel : tunnels) {
            int index = indexOf(tunnels, tunnel);
            if (tunnel.expose() != null) {
                String name = tunnel.expose().service().name();
                Tunnel first = exposed.putIfAbsent(name, tunnel);
                if (first != null) {
                    throw new IllegalArgumentException(where(lineOf(text, EXPOSE, index, "name")) + "expose.name: '" + name
                            + "' is already exposed on line " + first.line() + " (expected: one [[expose]] per name)");
                }
                continue;
            }
            var target = tunnel.connect().target();
            String protocol = tunnel.connect().udpIdle() != null ? "udp " : "tcp ";
            if (TunnelEntry.fixedPort(target.listenPort())) {
                String address = target.listenHost() + ":" + target.listenPort();
                Tunnel first = listening.putIfAbsent(protocol + address, tunnel);
                if (first != null) {
                    throw new IllegalArgumentException(where(lineOf(text, CONNECT, index, "listen")) + "connect.listen: "
                            + address + " is already where the connect on line " + first.line()
                            + " listens (expected: one listen address per [[connect]])");
                }
            }
            Tunnel first = connected.get(protocol + target.name());
            if (first != null && !(TunnelEntry.fixedPort(target.listenPort())
                    && TunnelEntry.fixedPort(first.connect().target().listenPort()))) {
                throw new IllegalArgumentException(where(lineOf(text, CONNECT, index, "name")) + "connect.name: '"
                        + target.name() + "' is already connected on line " + first.line()
                        + " (expected: one [[connect]] per name, or a listen address with a port of its own for each)");
            }
            connected.putIfAbsent(protocol + target.name(), tunnel);
        }
    }

    /** The position of {@code tunnel} among the entries of its kind (the n-th [[expose]]). */
    private static int indexOf(List<Tunnel> tunnels, Tunnel tunnel) {
        int index = 0;
        for (Tunnel other : tunnels) {
            if (other == tunnel) {
                return index;
            }
            if (other.role().equals(tunnel.role())) {
                index++;
            }
        }
        return index;
    }

    String text() {
        return text;
    }

    Function<String, String> environment() {
        return environment;
    }

    /** {@code FILE:LINE: }, or {@code FILE: } when the line is not known. */
    String where(int line) {
        return file + (line > 0 ? ":" + line : "") + ": ";
    }

    IllegalArgumentException wrongType(int line, String key, JsonNode value, String expected) {
        String kind = value.isTextual() ? "a string" : value.isBoolean() ? "a boolean" : value.isNumber() ? "a number"
                : value.isArray() ? "a list" : value.isObject() ? "a table" : value.getNodeType().toString();
        return new IllegalArgumentException(where(line) + key + ": " + value + " is " + kind + " (expected: " + expected + ")");
    }

    /**
     * The line {@code key =} is on: at the top (role null) or in the {@code index}-th {@code [[role]]} table, or the
     * table's own {@code [[role]]} line for key null. Jackson's TOML reader keeps no positions, hence the search;
     * 0 when not found (a key written in a way this does not look for): the message then names file and key only.
     */
    static int lineOf(String text, String role, int index, String key) {
        Pattern header = Pattern.compile("^\\s*\\[(\\[?)\\s*([A-Za-z0-9_.\"-]*)\\s*]");
        Pattern assignment = key == null ? null : Pattern.compile("^\\s*\"?" + Pattern.quote(key) + "\"?\\s*=");
        String[] lines = text.split("\n", -1);
        int seen = -1;
        boolean inside = role == null;
        for (int i = 0; i < lines.length; i++) {
            Matcher m = header.matcher(lines[i]);
            if (m.find()) {
                if (role == null && m.group(2).equals(key)) {
                    return i + 1; // a table at the top: [[expose]], [limits]
                }
                inside = role != null && m.group(1).equals("[") && m.group(2).equals(role) && ++seen == index;
                if (inside && key == null) {
                    return i + 1;
                }
            } else if (inside && assignment != null && assignment.matcher(lines[i]).find()) {
                return i + 1;
            }
        }
        return 0;
    }

    /** The keys an entry of {@code role} may have, in the order of the command's flags, and what each sets. */
    static Map<String, ArgSpec> keys(String role) {
        CommandLine command = new CommandLine(role.equals(EXPOSE) ? new ExposeCommand() : new ConnectCommand());
        Map<String, ArgSpec> keys = new LinkedHashMap<>();
        command.getCommandSpec().positionalParameters().forEach(p -> keys.put(role.equals(EXPOSE) ? "port" : "name", p));
        for (var option : command.getCommandSpec().options()) {
            if (!TunnelEntry.NOT_KEYS.contains(option.longestName())) {
                keys.put(key(option.longestName()), option);
            }
        }
        return keys;
    }

    /** {@code --tcp-port} is {@code tcp_port}; {@code --basic-auth} is {@code basic_auth_env}, since the file names the variable. */
    static String key(String flag) {
        return flag.equals(TunnelEntry.BASIC_AUTH) ? TunnelEntry.BASIC_AUTH_ENV : flag.replaceFirst("^-+", "").replace('-', '_');
    }
}
