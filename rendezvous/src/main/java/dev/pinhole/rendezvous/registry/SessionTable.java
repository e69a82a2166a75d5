package dev.pinhole.rendezvous.registry;

import dev.pinhole.protocol.ControlMessage.Close;
import dev.pinhole.rendezvous.registry.Registry.SessionView;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The relay sessions by id and each peer's share of them. A part of {@link Registry}, which alone calls it: the
 * registry decides who may open or end a session, this table keeps the session, both peers' lists of session ids
 * and the connector's quota in step (docs/architecture.md, "Rendezvous registry").
 */
final class SessionTable {
    private final Map<Integer, RelaySession> sessions = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final Quotas quotas;
    private final Clock clock;

    SessionTable(Quotas quotas, Clock clock) {
        this.quotas = quotas;
        this.clock = clock;
    }

    /**
     * A new session, or null when the exposer has gone. Session ids are random so that a stale peer cannot guess
     * its way into a live session's stream.
     */
    RelaySession open(String name, Peer connector, Peer exposer, IngressConnector ingress) {
        if (!exposer.channel().isActive()) {
            return null; // closed, its drop not run yet (it runs on the exposer's event loop)
        }
        int id;
        RelaySession session;
        do {
            id = random.nextInt();
            session = new RelaySession(id, name, connector, exposer, ingress, clock.millis());
        } while (id == 0 || sessions.putIfAbsent(id, session) != null);
        if (connector != null) {
            connector.sessions().add(session.id());
        }
        exposer.sessions().add(session.id());
        // The exposer may have gone since the check above: once its drop has begun, it may have swept its
        // sessions before this one was added, so this one is taken back (or the drop has ended it already).
        if (exposer.dropped()) {
            if (sessions.remove(session.id(), session)) {
                forgetIds(session);
            }
            return null;
        }
        return session;
    }

    /**
     * Why the exposer cannot take one more session now, or null: it has as many as one exposer may, or it has not
     * read what it was sent (an Incoming would only queue up behind it).
     */
    String exposerBusy(Peer exposer) {
        if (exposer.sessions().size() >= quotas.limits.sessionsPerExposer()) {
            return "sessions open at once to this exposer: " + quotas.limits.sessionsPerExposer()
                    + " (limit per exposer, --max-sessions-per-exposer); try again later";
        }
        if (!exposer.writable() && exposer.channel().isActive()) { // a closed one is offline: open() says so
            return "the exposer is not keeping up with what the rendezvous sends it; try again later";
        }
        return null;
    }

    /** The live session {@code id}, or null. */
    RelaySession get(int id) {
        return sessions.get(id);
    }

    /** Ends the session if it is still live; see {@link #finish} for the arguments. */
    void end(RelaySession session, Peer from, String reason) {
        if (sessions.remove(session.id(), session)) {
            finish(session, from, reason);
        }
    }

    /**
     * Ends every session of {@code peer}; the other sides hear {@code reason}, direct sessions only if
     * {@code directToo}.
     */
    void endAllOf(Peer peer, String reason, boolean directToo) {
        for (Integer id : List.copyOf(peer.sessions())) {
            RelaySession session = sessions.remove(id);
            if (session != null) {
                finish(session, peer, session.direct() && !directToo ? null : reason);
            }
        }
    }

    /**
     * Ends every session of a peer being cut off (a revoked token), each on its other side's event loop: a packet
     * that side relays meanwhile still finds its session rather than a "no such session" answer, so the first Close
     * it hears names the revocation (docs/security.md, "Peer side: reconnects, path tests and the attack-test
     * audit"). Nothing the cut peer sends is served meanwhile ({@link Peer#isCut}).
     */
    void endAllOfCut(Peer peer, String reason) {
        for (Integer id : List.copyOf(peer.sessions())) {
            RelaySession session = sessions.get(id);
            Peer other = session == null ? null : session.other(peer);
            if (other == null) {
                if (session != null) {
                    end(session, peer, reason);
                }
            } else {
                other.onLoop(() -> end(session, peer, reason));
            }
        }
    }

    /**
     * @param from   the side that ended the session, or null for public ingress
     * @param reason what the other side is told, or null to leave it be
     */
    private void finish(RelaySession session, Peer from, String reason) {
        if (session.ingress() != null && from != null) {
            session.ingress().ended(session.id());
        }
        forgetIds(session);
        Peer other = from == null ? session.exposer() : session.other(from);
        if (other != null && reason != null && other.channel().isActive()) {
            other.send(new Close(session.id(), reason));
        }
    }

    private void forgetIds(RelaySession session) {
        if (session.connector() != null) {
            session.connector().sessions().remove(session.id());
            quotas.releaseSession(session.connector());
        }
        session.exposer().sessions().remove(session.id());
    }

    List<SessionView> views() {
        List<SessionView> views = new ArrayList<>();
        for (RelaySession session : sessions.values()) {
            views.add(new SessionView(session.id(), session.name(),
                    session.connector() == null ? null : session.connector().id(),
                    session.direct(), session.bytes(), session.relayedBytes(), session.openedAt()));
        }
        return views;
    }
}
