package dev.pinhole.rendezvous.registry;

import dev.pinhole.protocol.ControlMessage;
import dev.pinhole.protocol.ControlMessage.Close;
import dev.pinhole.protocol.ControlMessage.Error;
import dev.pinhole.protocol.ControlMessage.Incoming;
import dev.pinhole.protocol.ControlMessage.NatInfo;
import dev.pinhole.protocol.ControlMessage.Open;
import dev.pinhole.protocol.ControlMessage.Opened;
import dev.pinhole.protocol.ControlMessage.Register;
import dev.pinhole.protocol.ControlMessage.Registered;
import dev.pinhole.protocol.ErrorCode;
import dev.pinhole.protocol.ServiceName;
import dev.pinhole.protocol.SessionSecret;
import dev.pinhole.rendezvous.Limits;
import dev.pinhole.rendezvous.Log;
import dev.pinhole.rendezvous.metrics.Metrics;
import dev.pinhole.rendezvous.state.State;
import dev.pinhole.rendezvous.state.StateStore;
import dev.pinhole.rendezvous.state.Tokens;
import io.netty.channel.Channel;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Who is online right now: logged-in peers, services by name, relay sessions by id; and, through the
 * {@link StateStore}, which token a peer holds and which identity owns a name. This class is the only
 * code that changes them. Control connections run on two event loops and public ingress on one of
 * them, so the maps are concurrent and every change is one call here (docs/architecture.md,
 * "Rendezvous registry").
 */
public final class Registry {
    /** What the dashboard sees of a peer. */
    public record PeerView(String id, String tokenId, NatKind nat, long loggedInAt) {}

    /** @param port the local port the owner exposes it on (a hint for connectors), 0 if unknown */
    public record ServiceView(String name, String owner, int port) {}

    /**
     * @param connector    the connecting peer's id, or null for public ingress
     * @param bytes        the session's own count, as its connector reports it
     * @param relayedBytes what the relay forwarded
     */
    public record SessionView(int id, String service, String connector, boolean direct, long bytes, long relayedBytes,
                              long openedAt) {}

    /** Time for a cut-off peer to read its Error and close first; + 0.5 s poll + 1 s TLS close = 2 s at most. */
    public static final long CUT_GRACE_MILLIS = 500;
    /** Counters bumped wherever the event happens (LongAdders: no contention). */
    public final Metrics metrics = new Metrics();
    private final StateStore store;
    private final Clock clock;
    private final Log log;
    private final long startedAt;
    private final Set<Peer> peers = ConcurrentHashMap.newKeySet();
    private final Map<String, Peer> services = new ConcurrentHashMap<>();
    private final Map<Integer, RelaySession> sessions = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final Quotas quotas;
    private volatile int stunPort;
    private volatile int stunAltPort;

    public Registry(StateStore store, Clock clock, Log log) {
        this(store, clock, log, Limits.DEFAULTS);
    }

    /** @param limits the quotas per identity, per token and per connection it enforces */
    public Registry(StateStore store, Clock clock, Log log, Limits limits) {
        this.store = store;
        this.clock = clock;
        this.log = log;
        this.startedAt = clock.millis();
        this.quotas = new Quotas(limits);
    }

    public Limits limits() {
        return quotas.limits;
    }

    Clock clock() {
        return clock;
    }

    /** The token a Hello's secret proves, if it is known; the caller refuses it when it is revoked. */
    public Optional<State.TokenRecord> token(String secret) throws IOException {
        return Tokens.proven(store.read(), secret);
    }

    /** {@link #token} after reading the state file again, off the event loop (a token just created elsewhere). */
    public CompletableFuture<Optional<State.TokenRecord>> freshToken(String secret) {
        return store.reread().thenApply(state -> Tokens.proven(state, secret));
    }

    /** The key {@code id} proved itself and showed the token {@code tokenId}: it is online from now. */
    public Peer login(String id, String tokenId, Channel channel) {
        Peer peer = new Peer(id, tokenId, clock.millis(), channel);
        Limits limits = quotas.limits;
        peer.buckets(new TokenBucket(limits.openRate(), limits.openBurst(), clock.millis()),
                new TokenBucket(limits.candidatesRate(), limits.openBurst(), clock.millis()));
        quotas.login(peer);
        peers.add(peer);
        try {
            if (TokenChecks.revoked(store.read(), tokenId)) { // published between the Hello's check and the add above
                cut(peer, TokenChecks.revokedMessage(tokenId));
            }
        } catch (IOException e) {
            // The Hello's check has just read the same store; the next change cuts it if need be.
        }
        return peer;
    }

    /** What the peer's STUN found; passed on to connectors and counted in the punch metrics. */
    public void reportNat(Peer peer, NatInfo info) {
        peer.nat(info);
    }

    /**
     * Claims the name for the peer's identity (the first to register it owns it until it is released or its token
     * revoked) and routes it here. Completes with {@code Registered} or an {@code Error} on the peer's event loop;
     * a new name is written off the event loop ({@link StateStore#updateLater}).
     */
    public CompletableFuture<ControlMessage> register(Peer peer, Register request) {
        Optional<String> problem = ServiceName.problem(request.name());
        if (problem.isPresent()) {
            return CompletableFuture.completedFuture(new Error(request.requestId(), ErrorCode.BAD_NAME, problem.get()));
        }
        String name = ServiceName.canonical(request.name());
        State state;
        try {
            state = store.read();
        } catch (IOException e) {
            return CompletableFuture.completedFuture(stateUnavailable(request.requestId(), e));
        }
        Optional<Error> refused = TokenChecks.refusal(state, peer, request.requestId(), name, "register");
        if (refused.isPresent()) {
            return CompletableFuture.completedFuture(refused.get());
        }
        if (state.names().containsKey(name)) {
            return CompletableFuture.completedFuture(claimed(peer, request, state.names().get(name)));
        }
        long owned = state.names().values().stream().filter(n -> n.owner().equals(peer.id())).count();
        if (owned >= quotas.limits.namesPerPeer()) {
            return CompletableFuture.completedFuture(new Error(request.requestId(), ErrorCode.LIMIT, "names owned: "
                    + quotas.limits.namesPerPeer() + " (limit per peer; reuse one of yours, or ask the operator to release"
                    + " some or raise --max-names-per-peer)"));
        }
        CompletableFuture<ControlMessage> reply = new CompletableFuture<>();
        // Claimed under the store's lock: of two identities racing for a new name, one wins.
        store.updateLater(s -> s.names().containsKey(name) ? s
                        : s.withName(new State.NameRecord(name, peer.id(), clock.instant().getEpochSecond(), peer.tokenId())))
                .whenComplete((next, error) -> peer.onLoop(() -> reply.complete(error != null
                        ? stateUnavailable(request.requestId(), error)
                        : claimed(peer, request, next.names().get(name)))));
        return reply;
    }

    /** On the peer's event loop, where its {@link #drop} runs: a route added after the drop would outlive it. */
    private ControlMessage claimed(Peer peer, Register request, State.NameRecord owner) {
        String name = owner.name();
        if (!owner.owner().equals(peer.id())) {
            return new Error(request.requestId(), ErrorCode.NAME_TAKEN, "name '" + name
                    + "' belongs to another identity (" + owner.owner() + "); pick another name");
        }
        if (peer.dropped()) {
            return new Error(request.requestId(), ErrorCode.OTHER, "disconnected");
        }
        if (services.get(name) != peer) {
            String limit = quotas.takeService(peer);
            if (limit != null) {
                return new Error(request.requestId(), ErrorCode.LIMIT, limit);
            }
        }
        peer.exposes(name, request.port());
        Peer previous = services.put(name, peer);
        if (previous == peer) {
            return new Registered(request.requestId(), name); // registered again on the same connection
        }
        if (previous != null) {
            quotas.releaseService(previous);
            log.info("service '" + name + "' moved to a newer connection of " + peer.id());
        }
        log.info("service '" + name + "' online, exposed by " + peer.id());
        return new Registered(request.requestId(), name);
    }

    private Error stateUnavailable(int requestId, Throwable e) {
        log.error("cannot save state: " + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()));
        return new Error(requestId, ErrorCode.OTHER, "the rendezvous cannot save its state");
    }

    /**
     * The connector's {@code Open}: a session to the service's exposer, announced to it by {@code Incoming}.
     * Returns the connector's reply: {@code Opened} or an {@code Error}.
     */
    public ControlMessage openSession(Peer connector, Open request) {
        String name = request.name().toLowerCase(Locale.ROOT);
        if (!connector.mayOpen(clock.millis())) {
            return new Error(request.requestId(), ErrorCode.LIMIT, "Open rate: " + quotas.limits.openRate() + " per second, "
                    + quotas.limits.openBurst() + " at once (limit per connection, --open-rate); try again in a second");
        }
        try {
            Optional<Error> refused = TokenChecks.refusal(store.read(), connector, request.requestId(), name, "connect to");
            if (refused.isPresent()) {
                return refused.get();
            }
        } catch (IOException e) {
            return stateUnavailable(request.requestId(), e);
        }
        Peer exposer = services.get(name);
        if (exposer == null) {
            return new Error(request.requestId(), ErrorCode.UNKNOWN_NAME, whyOffline(name));
        }
        String busy = exposerBusy(exposer);
        if (busy != null) {
            return new Error(request.requestId(), ErrorCode.LIMIT, busy);
        }
        String limit = quotas.takeSession(connector);
        if (limit != null) {
            return new Error(request.requestId(), ErrorCode.LIMIT, limit);
        }
        RelaySession session = open(name, connector, exposer, null);
        if (session == null) {
            quotas.releaseSession(connector);
            return new Error(request.requestId(), ErrorCode.UNKNOWN_NAME, whyOffline(name));
        }
        log.debug("session " + Integer.toUnsignedString(session.id(), 16) + ": " + connector.id() + " -> '" + name + "'");
        SessionSecret secret = SessionSecret.random();
        exposer.send(new Incoming(session.id(), name, connector.id(), secret));
        return new Opened(request.requestId(), session.id(), name, exposer.id(), exposer.port(name), secret,
                exposer.hardToPunch(), exposer.relayOnly());
    }

    /**
     * A session from public ingress, whose connector is the rendezvous itself (key {@code connectorKey}),
     * announced to the exposer like any other; empty when the service is offline.
     */
    public Optional<RelaySession> openIngressSession(String name, String connectorKey, IngressConnector ingress) {
        Peer exposer = services.get(name);
        RelaySession session = exposer == null || exposerBusy(exposer) != null ? null : open(name, null, exposer, ingress);
        if (session != null) {
            exposer.send(new Incoming(session.id(), name, connectorKey, SessionSecret.random()));
        }
        return Optional.ofNullable(session);
    }

    /** Session ids are random so that a stale peer cannot guess its way into a live session's stream. */
    private RelaySession open(String name, Peer connector, Peer exposer, IngressConnector ingress) {
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
    private String exposerBusy(Peer exposer) {
        if (exposer.sessions().size() >= quotas.limits.sessionsPerExposer()) {
            return "sessions open at once to this exposer: " + quotas.limits.sessionsPerExposer()
                    + " (limit per exposer, --max-sessions-per-exposer); try again later";
        }
        if (!exposer.writable() && exposer.channel().isActive()) { // a closed one is offline: open() says so
            return "the exposer is not keeping up with what the rendezvous sends it; try again later";
        }
        return null;
    }

    private String whyOffline(String name) {
        try {
            return store.read().names().containsKey(name)
                    ? "service '" + name + "' is known but its peer is offline"
                    : "no service named '" + name + "' on this rendezvous";
        } catch (IOException e) {
            return "no service named '" + name + "' is online";
        }
    }

    /** A party's {@code Close}: the session ends and its other side hears {@code reason}; others' sessions are left be. */
    public void end(Peer from, int sessionId, String reason) {
        RelaySession session = sessions.get(sessionId);
        boolean party = session != null
                && (session.other(from) != null || session.ingress() != null && session.exposer() == from);
        if (party && sessions.remove(sessionId, session)) {
            finish(session, from, reason);
        }
    }

    /** Public ingress ended its session (its QUIC connection closed): the exposer forgets it and hears {@code reason}. */
    public void endIngressSession(int sessionId, String reason) {
        RelaySession session = sessions.get(sessionId);
        if (session != null && session.ingress() != null && sessions.remove(sessionId, session)) {
            finish(session, null, reason);
        }
    }

    /**
     * The peer's connection closed: its services go offline and its sessions end. A direct session does not
     * need the rendezvous, so its other peer is not told: it keeps it (and ends it if its path dies).
     */
    public void drop(Peer peer) {
        peer.markDropped();
        services.entrySet().removeIf(service -> {
            if (service.getValue() == peer) {
                quotas.releaseService(peer);
                log.info("service '" + service.getKey() + "' offline");
                return true;
            }
            return false;
        });
        for (Integer id : List.copyOf(peer.sessions())) {
            RelaySession session = sessions.remove(id);
            if (session != null) {
                finish(session, peer, session.direct() ? null : "the other peer disconnected");
            }
        }
        peers.remove(peer);
        quotas.logout(peer);
        log.info("peer " + peer.id() + " disconnected");
    }

    /** The peers logged in with token {@code tokenId}, on either event loop. */
    public List<Peer> peersWithToken(String tokenId) {
        return peers.stream().filter(peer -> peer.tokenId().equals(tokenId)).toList();
    }

    /** A new state (from any process): peers of revoked tokens are cut off, released names go offline. */
    public void stateChanged(State state) {
        for (Peer peer : peers) {
            if (TokenChecks.revoked(state, peer.tokenId())) {
                cut(peer, TokenChecks.revokedMessage(peer.tokenId()));
            }
        }
        services.forEach((name, owner) -> {
            if (!state.names().containsKey(name) && services.remove(name, owner)) {
                quotas.releaseService(owner);
                log.info("service '" + name + "' offline: its name was released by the operator");
            }
        });
    }

    /**
     * Cuts a peer off: its sessions end and their other sides hear so, direct ones included (only that ends them
     * there), then a fatal {@code Error}, then the close; nothing it sends meanwhile is served ({@link Peer#isCut}).
     */
    public void cut(Peer peer, String reason) {
        peer.onLoop(() -> {
            if (!peer.markCut()) {
                return;
            }
            log.info("cutting peer " + peer.id() + " off: " + reason);
            for (Integer id : List.copyOf(peer.sessions())) {
                RelaySession session = sessions.remove(id);
                if (session != null) {
                    finish(session, peer, "the other peer's token was revoked");
                }
            }
            peer.channel().writeAndFlush(new Error(0, ErrorCode.TOKEN_REVOKED, reason));
            // Not closed at once: closing a socket with unread bytes in it sends a reset, which can make the peer's
            // kernel discard the Error before the peer reads it. An honest peer closes first; others are closed here.
            peer.channel().eventLoop().schedule(() -> peer.channel().close(), CUT_GRACE_MILLIS, TimeUnit.MILLISECONDS);
        });
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

    /** The live session {@code id}, or null. (On the relay's hot path: no Optional.) */
    public RelaySession session(int id) {
        return sessions.get(id);
    }

    /** The connection that exposes {@code name} now, if any; it may have just closed (check its channel). */
    public Optional<Peer> exposerOf(String name) {
        return Optional.ofNullable(services.get(name));
    }

    /** STUN is listening: {@code Welcome} announces these ports from now on (0: none). */
    public void stunListening(int port, int altPort) {
        stunPort = port;
        stunAltPort = altPort;
    }

    public int stunPort() {
        return stunPort;
    }

    public int stunAltPort() {
        return stunAltPort;
    }

    public long startedAt() {
        return startedAt;
    }

    public List<PeerView> peers() {
        List<PeerView> views = new ArrayList<>();
        for (Peer peer : peers) {
            views.add(new PeerView(peer.id(), peer.tokenId(), peer.nat(), peer.loggedInAt()));
        }
        return views;
    }

    /** By name. */
    public List<ServiceView> services() {
        List<ServiceView> views = new ArrayList<>();
        services.forEach((name, owner) -> views.add(new ServiceView(name, owner.id(), owner.port(name))));
        views.sort(Comparator.comparing(ServiceView::name));
        return views;
    }

    public List<SessionView> sessions() {
        List<SessionView> views = new ArrayList<>();
        for (RelaySession session : sessions.values()) {
            views.add(new SessionView(session.id(), session.name(),
                    session.connector() == null ? null : session.connector().id(),
                    session.direct(), session.bytes(), session.relayedBytes(), session.openedAt()));
        }
        return views;
    }
}
