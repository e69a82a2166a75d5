package dev.pinhole.rendezvous;

import dev.pinhole.protocol.ControlMessage;
import dev.pinhole.protocol.ControlMessage.PathReport;
import dev.pinhole.protocol.ControlMessage.Traffic;
import dev.pinhole.rendezvous.Hub.RelaySession;
import dev.pinhole.rendezvous.metrics.Metrics;

/**
 * What connectors tell the rendezvous about their sessions, for the dashboard and metrics only: the path
 * ({@code PathReport}) and the bytes ({@code Traffic}). Only a session's connector is heard, and nothing
 * is forwarded.
 */
final class SessionReports {
    private SessionReports() {}

    static void accept(Hub hub, PeerConnectionHandler from, ControlMessage report) {
        if (report instanceof PathReport path) {
            RelaySession session = hub.sessions.get(path.sessionId());
            // The connector's view is the session's path (both sides switch within a round trip).
            if (session != null && session.connector() == from
                    && session.direct().getAndSet(path.direct()) != path.direct() && path.direct()) {
                Metrics.increment(hub.metrics.punchSuccesses, PeerConnectionHandler.natPair(session));
            }
        } else if (report instanceof Traffic traffic) {
            RelaySession session = hub.sessions.get(traffic.sessionId());
            if (session != null && session.connector() == from) {
                // A report can only add: a reordered or lying one cannot shrink what the operator saw.
                session.bytes().accumulateAndGet(traffic.sentBytes() + traffic.receivedBytes(), Math::max);
            }
        }
    }
}
