package dev.pinhole.peer.node;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pinhole.protocol.punch.Probe;
import dev.pinhole.protocol.tls.SecureFiles;
import dev.pinhole.session.DirectPath;
import dev.pinhole.session.PacketPath;
import dev.pinhole.session.UdpStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A running node's sessions and their paths, in {@code HOME/run/PID.json}, rewritten (atomically) on
 * every change; {@code peer status} reads them. A file, not a socket: nothing to listen on, nothing to
 * authenticate, and the home directory's 0700 already says who may read it.
 */
public final class StatusFile {
    public static final ObjectMapper JSON = new ObjectMapper();

    /** Numbers the files of {@code peer up}'s tunnels: one process, one file per tunnel, {@code PID-N.json}. */
    private static final AtomicInteger TUNNELS = new AtomicInteger();

    private final Path file;
    private final String role;
    /** The tunnel's name in {@code peer up}, or null for {@code peer expose}/{@code connect}. */
    private final String tunnel;
    /** The tunnel's number in its process (N of its file name): status lists tunnels in the order they started. */
    private final int order;
    private final String started = Instant.now().toString();

    StatusFile(Path runDir, Probe.Role role, String tunnel) {
        long pid = ProcessHandle.current().pid();
        this.order = tunnel == null ? 0 : TUNNELS.incrementAndGet();
        this.file = runDir.resolve(tunnel == null ? pid + ".json" : pid + "-" + order + ".json");
        this.role = role == Probe.Role.CONNECTOR ? "connect" : "expose";
        this.tunnel = tunnel;
    }

    /** The process a status file belongs to: {@code PID.json} or {@code PID-N.json}, else -1. */
    public static long pidOf(Path file) {
        String name = file.getFileName().toString();
        if (!name.endsWith(".json")) {
            return -1;
        }
        String stem = name.substring(0, name.length() - 5);
        int dash = stem.indexOf('-');
        try {
            return Long.parseLong(dash < 0 ? stem : stem.substring(0, dash));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** @param udp the tunnel's UDP counters (docs/udp.md, "Counters"), or null if it carries no UDP */
    void write(String server, String local, List<Session> sessions, Function<Session, PacketPath> pathOf, UdpStats udp) {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("pid", ProcessHandle.current().pid());
        status.put("command", tunnel == null ? role : "up");
        status.put("role", role);
        if (tunnel != null) {
            status.put("tunnel", tunnel);
            status.put("order", order);
        }
        status.put("local", local);
        status.put("server", server);
        status.put("started", started);
        List<Map<String, Object>> list = new ArrayList<>();
        for (Session session : sessions) {
            PacketPath path = pathOf.apply(session);
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("session", Integer.toUnsignedString(session.id, 16));
            entry.put("name", session.name);
            entry.put("peer", session.peerKey);
            entry.put("path", path == null ? "closed" : path.kind());
            entry.put("remote", path == null ? null : path.remote());
            entry.put("rtt_ms", path instanceof DirectPath direct ? Math.round(direct.rttMillis() * 100) / 100.0 : null);
            entry.put("since", Instant.ofEpochMilli(session.since).toString());
            list.add(entry);
        }
        status.put("sessions", list);
        if (udp != null) {
            Map<String, Object> counters = new LinkedHashMap<>();
            counters.put("flows", udp.flows);
            counters.put("datagrams", udp.datagrams);
            counters.put("oversize", udp.oversize);
            counters.put("max_payload", udp.maxPayload);
            counters.put("dropped", udp.dropped);
            counters.put("refused_flows", udp.refusedFlows);
            counters.put("expired_flows", udp.expiredFlows);
            status.put("udp", counters);
        }
        try {
            SecureFiles.createPrivateDirectories(file.getParent());
            SecureFiles.writeAtomically(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(status));
        } catch (IOException e) {
            // Status is a convenience; a read-only home must not stop the tunnel.
        }
    }

    void delete() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // Left behind: peer status skips files whose process is gone.
        }
    }
}
