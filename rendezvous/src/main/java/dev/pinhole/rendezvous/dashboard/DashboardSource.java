package dev.pinhole.rendezvous.dashboard;

import java.util.Map;

/** What the dashboard shows, read from the live registry when asked. */
public interface DashboardSource {
    /** The JSON body of {@code /api/state}: uptime, peers, services, sessions. */
    Map<String, Object> state();

    /** The Prometheus text of {@code /metrics}. */
    String metrics();
}
