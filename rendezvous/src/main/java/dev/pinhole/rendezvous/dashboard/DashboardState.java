package dev.pinhole.rendezvous.dashboard;

import dev.pinhole.rendezvous.metrics.Metrics;
import dev.pinhole.rendezvous.metrics.PrometheusText;
import dev.pinhole.rendezvous.registry.Registry;
import dev.pinhole.rendezvous.registry.Registry.PeerView;
import dev.pinhole.rendezvous.registry.Registry.ServiceView;
import dev.pinhole.rendezvous.registry.Registry.SessionView;
import dev.pinhole.rendezvous.stun.StunServer;
import dev.pinhole.session.UdpStats;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.Supplier;

/** The registry as the dashboard and Prometheus see it. */
public final class DashboardState implements DashboardSource {
    private final Registry registry;
    private final Function<String, List<String>> publicUrls;
    private final Supplier<StunServer> stun;
    private final Supplier<Map<Integer, UdpStats>> udpPorts;

    /** @param publicUrls a service's public URLs by its name (empty without ingress) */
    public DashboardState(Registry registry, Function<String, List<String>> publicUrls, Supplier<StunServer> stun) {
        this(registry, publicUrls, stun, Map::of);
    }

    /** @param udpPorts each open public UDP port's counters, by port (docs/udp.md, "Public UDP ports") */
    public DashboardState(Registry registry, Function<String, List<String>> publicUrls, Supplier<StunServer> stun,
                          Supplier<Map<Integer, UdpStats>> udpPorts) {
        this.registry = registry;
        this.publicUrls = publicUrls;
        this.stun = stun;
        this.udpPorts = udpPorts;
    }

    @Override
    public Map<String, Object> state() {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("uptime_seconds", (System.currentTimeMillis() - registry.startedAt()) / 1000);
        List<Map<String, Object>> peers = new ArrayList<>();
        for (PeerView peer : registry.peers()) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("id", peer.id());
            p.put("nat", peer.nat().label());
            p.put("token", peer.tokenId());
            p.put("since", Instant.ofEpochMilli(peer.loggedInAt()).toString());
            peers.add(p);
        }
        state.put("peers", peers);
        List<Map<String, Object>> services = new ArrayList<>();
        for (ServiceView service : registry.services()) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("name", service.name());
            s.put("owner", service.owner());
            s.put("port", service.port());
            s.put("urls", publicUrls.apply(service.name()));
            services.add(s);
        }
        state.put("services", services);
        List<Map<String, Object>> sessions = new ArrayList<>();
        for (SessionView session : registry.sessions()) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("id", Integer.toUnsignedString(session.id(), 16));
            s.put("service", session.service());
            s.put("connector", session.connector() == null ? "public ingress" : session.connector());
            s.put("path", session.direct() ? "direct" : "relay");
            s.put("bytes", Math.max(session.bytes(), session.relayedBytes()));
            s.put("relayed_bytes", session.relayedBytes());
            s.put("since", Instant.ofEpochMilli(session.openedAt()).toString());
            sessions.add(s);
        }
        state.put("sessions", sessions);
        return state;
    }

    @Override
    public String metrics() {
        Metrics m = registry.metrics;
        List<SessionView> sessions = registry.sessions();
        long direct = sessions.stream().filter(SessionView::direct).count();
        StunServer stunServer = stun.get();
        Map<Map<String, String>, Long> byPath = new LinkedHashMap<>();
        byPath.put(Map.of("path", "direct"), direct);
        byPath.put(Map.of("path", "relay"), sessions.size() - direct);
        PrometheusText text = new PrometheusText()
                .gauge("pinhole_peers_connected", "Peers logged in now.", registry.peers().size())
                .gauge("pinhole_services", "Services exposed now.", registry.services().size())
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
                        labels("status", m.ingressRequests));
        return UdpPortMetrics.append(text, udpPorts.get()).toString();
    }

    private static <K> Map<Map<String, String>, Long> labels(String label, Map<K, LongAdder> counters) {
        Map<Map<String, String>, Long> samples = new TreeMap<>(Comparator.comparing(Object::toString));
        counters.forEach((key, value) -> samples.put(Map.of(label, String.valueOf(key)), value.sum()));
        return samples;
    }
}
