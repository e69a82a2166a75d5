package dev.pinhole.rendezvous.dashboard;

import dev.pinhole.rendezvous.control.PeerConnectionHandler;
import dev.pinhole.rendezvous.registry.Hub;
import dev.pinhole.rendezvous.dashboard.DashboardSource;
import dev.pinhole.rendezvous.metrics.Metrics;
import dev.pinhole.rendezvous.metrics.PrometheusText;
import dev.pinhole.rendezvous.stun.StunServer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/** The registry as the dashboard and Prometheus see it. */
public final class DashboardState implements DashboardSource {
    private final Hub hub;
    private final Supplier<StunServer> stun;

    public DashboardState(Hub hub, Supplier<StunServer> stun) {
        this.hub = hub;
        this.stun = stun;
    }

    @Override
    public Map<String, Object> state() {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("uptime_seconds", (System.currentTimeMillis() - hub.startedAt) / 1000);
        List<Map<String, Object>> peers = new ArrayList<>();
        for (PeerConnectionHandler peer : hub.peers) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("id", peer.peerId());
            p.put("nat", peer.nat());
            p.put("token", peer.tokenId());
            p.put("since", Instant.ofEpochMilli(peer.loggedInAt()).toString());
            peers.add(p);
        }
        state.put("peers", peers);
        List<Map<String, Object>> services = new ArrayList<>();
        for (var service : new TreeMap<>(hub.services).entrySet()) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("name", service.getKey());
            s.put("owner", service.getValue().peerId());
            s.put("port", service.getValue().ports().getOrDefault(service.getKey(), 0));
            s.put("urls", hub.publicUrls.apply(service.getKey()));
            services.add(s);
        }
        state.put("services", services);
        List<Map<String, Object>> sessions = new ArrayList<>();
        for (Hub.RelaySession session : hub.sessions.values()) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("id", Integer.toUnsignedString(session.id(), 16));
            s.put("service", session.name());
            s.put("connector", session.connector() == null ? "public ingress" : session.connector().peerId());
            s.put("path", session.direct().get() ? "direct" : "relay");
            s.put("bytes", Math.max(session.bytes().get(), session.relayedBytes().sum()));
            s.put("relayed_bytes", session.relayedBytes().sum());
            s.put("since", Instant.ofEpochMilli(session.openedAt()).toString());
            sessions.add(s);
        }
        state.put("sessions", sessions);
        return state;
    }

    @Override
    public String metrics() {
        Metrics m = hub.metrics;
        long direct = hub.sessions.values().stream().filter(s -> s.direct().get()).count();
        StunServer stunServer = stun.get();
        Map<Map<String, String>, Long> byPath = new LinkedHashMap<>();
        byPath.put(Map.of("path", "direct"), direct);
        byPath.put(Map.of("path", "relay"), hub.sessions.size() - direct);
        return new PrometheusText()
                .gauge("pinhole_peers_connected", "Peers logged in now.", hub.peers.size())
                .gauge("pinhole_services", "Services exposed now.", hub.services.size())
                .labelled("pinhole_sessions", "Sessions now, by the path their packets take.", "gauge", byPath)
                .counter("pinhole_relayed_bytes_total", "Session bytes forwarded by the relay.", m.relayedBytes.sum())
                .counter("pinhole_relay_dropped_packets_total", "Relayed packets dropped because the receiver was too slow.",
                        m.droppedPackets.sum())
                .labelled("pinhole_punch_attempts_total", "Punch rounds started, by connector-exposer NAT kind.", "counter",
                        labels("nat_pair", m.punchAttempts))
                .labelled("pinhole_punch_successes_total", "Sessions that reached a direct path, by connector-exposer NAT kind.",
                        "counter", labels("nat_pair", m.punchSuccesses))
                .counter("pinhole_stun_requests_total", "STUN Binding requests answered.",
                        stunServer == null ? 0 : stunServer.requests.get())
                .counter("pinhole_auth_failures_total", "Peer logins refused (unknown or revoked token).", m.authFailures.sum())
                .counter("pinhole_dashboard_login_failures_total", "Dashboard logins refused (wrong secret).",
                        m.dashboardLoginFailures.sum())
                .labelled("pinhole_ingress_requests_total", "Public ingress requests, by HTTP status.", "counter",
                        labels("status", m.ingressRequests))
                .toString();
    }

    private static <K> Map<Map<String, String>, Long> labels(String label, Map<K, LongAdder> counters) {
        Map<Map<String, String>, Long> samples = new TreeMap<>(java.util.Comparator.comparing(Object::toString));
        counters.forEach((key, value) -> samples.put(Map.of(label, String.valueOf(key)), value.sum()));
        return samples;
    }
}
