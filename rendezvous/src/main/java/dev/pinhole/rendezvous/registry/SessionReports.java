package dev.pinhole.rendezvous.registry;

import dev.pinhole.rendezvous.control.PeerConnectionHandler;
import dev.pinhole.protocol.ControlMessage;
import dev.pinhole.protocol.ControlMessage.PathReport;
import dev.pinhole.protocol.ControlMessage.Traffic;
import dev.pinhole.rendezvous.registry.Hub.RelaySession;
import dev.pinhole.rendezvous.metrics.Metrics;

/**
 * What peers tell the rendezvous about their sessions: the path ({@code PathReport}) and the bytes
 * ({@code Traffic}). For the dashboard and metrics only a session's connector is heard; a fallback to the
 * relay, from either side, is passed on to the other, so both leave a dead direct path together.
 */
public final class SessionReports {
    private SessionReports() {}

    public static void accept(Hub hub, PeerConnectionHandler from, ControlMessage report) {
        if (report instanceof PathReport path) {
            RelaySession session = hub.sessions.get(path.sessionId());
            PeerConnectionHandler other = session == null ? null : session.other(from);
            if (other != null && !path.direct() && other.channel().isActive()) {
                other.channel().writeAndFlush(path, other.channel().voidPromise());
            }
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
