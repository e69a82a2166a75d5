package dev.pinhole.rendezvous.registry;

import dev.pinhole.protocol.ControlMessage.Candidates;
import dev.pinhole.protocol.ControlMessage.PathReport;
import dev.pinhole.protocol.ControlMessage.Traffic;
import dev.pinhole.protocol.punch.CandidateRules;
import dev.pinhole.rendezvous.metrics.Metrics;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * What peers tell the rendezvous about their sessions: punching signals ({@code Candidates}), the path
 * ({@code PathReport}) and the bytes ({@code Traffic}). Only a session's own peers are heard. For the
 * dashboard and metrics only a session's connector counts; every path change, from either side, is passed on to
 * the other: a fallback so both leave a dead direct path together, a switch so the other side's check of the path
 * waits until both are on it (docs/direct-paths.md).
 */
public final class SessionReports {
    private final Registry registry;

    public SessionReports(Registry registry) {
        this.registry = registry;
    }

    /**
     * Signalling for hole punching: passed on to the other peer of the session, if any, with only the addresses
     * it may be made to probe ({@link CandidateRules#vouched}): the reflexive address must be on the IP this
     * peer's control connection comes from (docs/security.md, "Limits: hole punching and STUN").
     */
    public void candidates(Peer from, Candidates candidates) {
        RelaySession session = registry.session(candidates.sessionId());
        Peer other = session == null ? null : session.other(from);
        if (other == null || !passOn(from, other)) {
            return;
        }
        if (session.connector() == from) {
            Metrics.increment(registry.metrics.punchAttempts, session.natPair()); // the connector starts each round
        }
        InetAddress observed = from.channel().remoteAddress() instanceof InetSocketAddress address ? address.getAddress() : null;
        other.send(CandidateRules.vouched(candidates, observed));
    }

    /**
     * Whether a signal from {@code from} goes on to {@code other}: within the sender's rate (a punch round sends
     * a handful), and only to a peer that reads what it is sent. Both are hints the peers can do without: a
     * lost one costs a punch round, never the session.
     */
    private boolean passOn(Peer from, Peer other) {
        if (!registry.maySignal(from) || !other.writable()) {
            registry.metrics.droppedSignals.increment();
            return false;
        }
        return true;
    }

    public void path(Peer from, PathReport path) {
        RelaySession session = registry.session(path.sessionId());
        Peer other = session == null ? null : session.other(from);
        // Both ways: a fallback so the other side follows, a switch so its check of the path waits for this side.
        if (other != null && other.channel().isActive() && passOn(from, other)) {
            other.send(path);
        }
        // The connector's view is the session's path (both sides switch within a round trip).
        if (session != null && session.connector() == from && session.reportPath(path.direct())) {
            Metrics.increment(registry.metrics.punchSuccesses, session.natPair());
        }
    }

    public void traffic(Peer from, Traffic traffic) {
        RelaySession session = registry.session(traffic.sessionId());
        if (session != null && session.connector() == from) {
            session.reportBytes(traffic.sentBytes() + traffic.receivedBytes());
        }
    }
}
