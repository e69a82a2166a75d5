package dev.pinhole.rendezvous.dashboard;

import dev.pinhole.rendezvous.metrics.PrometheusText;
import dev.pinhole.session.UdpStats;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The public UDP ports' series of {@code /metrics}, labelled by port (docs/udp.md, "Public UDP ports"). Counters
 * belong to the port's socket: they start again from 0 when a port is published anew (Prometheus' {@code rate()}
 * takes that as a reset).
 */
final class UdpPortMetrics {
    private UdpPortMetrics() {}

    static PrometheusText append(PrometheusText text, Map<Integer, UdpStats> ports) {
        Map<Map<String, String>, Long> datagrams = new LinkedHashMap<>();
        Map<Map<String, String>, Long> bytes = new LinkedHashMap<>();
        Map<Map<String, String>, Long> dropped = new LinkedHashMap<>();
        Map<Map<String, String>, Long> flows = new LinkedHashMap<>();
        ports.forEach((number, stats) -> {
            String port = String.valueOf(number);
            datagrams.put(Map.of("port", port, "direction", "in"), stats.fromVisitors);
            datagrams.put(Map.of("port", port, "direction", "out"), stats.toVisitors);
            bytes.put(Map.of("port", port, "direction", "in"), stats.fromVisitorsBytes);
            bytes.put(Map.of("port", port, "direction", "out"), stats.toVisitorsBytes);
            dropped.put(Map.of("port", port, "reason", "not_allowed"), stats.denied);
            dropped.put(Map.of("port", port, "reason", "flow_cap"), stats.refusedFlows);
            dropped.put(Map.of("port", port, "reason", "too_large"), stats.oversize);
            dropped.put(Map.of("port", port, "reason", "no_session_or_queue_full"), stats.dropped);
            flows.put(Map.of("port", port), (long) stats.flows);
        });
        return text
                .labelled("pinhole_udp_datagrams_total", "Datagrams through public UDP ports: in from visitors, out to"
                        + " them.", "counter", datagrams)
                .labelled("pinhole_udp_bytes_total", "Payload bytes through public UDP ports, by direction.", "counter", bytes)
                .labelled("pinhole_udp_dropped_total", "Datagrams of public UDP ports dropped, by reason.", "counter", dropped)
                .labelled("pinhole_udp_flows", "Visitor flows open now, per public UDP port.", "gauge", flows);
    }
}
