package dev.pinhole.rendezvous.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {
    @Test
    void writesTheTextExpositionFormat() {
        Map<Map<String, String>, Long> byPair = new LinkedHashMap<>();
        byPair.put(Map.of("nat_pair", "hard-easy"), 3L);
        byPair.put(Map.of("z", "a\"b\\c\nd", "a", "1"), 1L);
        String text = new PrometheusText()
                .gauge("pinhole_peers_connected", "Peers logged in now.", 2)
                .labelled("pinhole_punch_successes_total", "Direct paths.", "counter", byPair)
                .toString();
        assertEquals("""
                # HELP pinhole_peers_connected Peers logged in now.
                # TYPE pinhole_peers_connected gauge
                pinhole_peers_connected 2
                # HELP pinhole_punch_successes_total Direct paths.
                # TYPE pinhole_punch_successes_total counter
                pinhole_punch_successes_total{nat_pair="hard-easy"} 3
                pinhole_punch_successes_total{a="1",z="a\\"b\\\\c\\nd"} 1
                """, text);
    }
}
