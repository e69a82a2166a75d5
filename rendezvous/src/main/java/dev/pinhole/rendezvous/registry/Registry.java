package dev.pinhole.rendezvous.registry;

import dev.pinhole.protocol.ControlMessage;
import dev.pinhole.protocol.ControlMessage.Error;
import dev.pinhole.protocol.ControlMessage.Incoming;
import dev.pinhole.protocol.ControlMessage.ListNames;
import dev.pinhole.protocol.ControlMessage.NatInfo;
import dev.pinhole.protocol.ControlMessage.Open;
import dev.pinhole.protocol.ControlMessage.Opened;
import dev.pinhole.protocol.ControlMessage.Register;
import dev.pinhole.protocol.ControlMessage.ReleaseName;
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
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Who is online right now: logged-in peers, services by name, relay sessions by id; and, through the
 * {@link StateStore}, which token a peer holds and which identity owns a name. This class is the only
 * code that changes them (its package-private parts {@link ServiceTable}, {@link SessionTable} and
 * {@link Quotas} keep the tables; only this class calls them). Control connections run on two event loops
 * and public ingress on one of them, so the maps are concurrent and every change is one call here
 * (docs/architecture.md, "Rendezvous registry").
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
    private final Quotas quotas;
    private final ServiceTable services;
    private final SessionTable sessions;
    private final OwnedNames ownedNames;
    private volatile int stunPort;
    private volatile int stunAltPort;

    public Registry(StateStore store, Clock clock, Log log) {
        this(store, clock, log, Limits.DEFAULTS);
    }

    /** @param limits the quotas per identity and per token it enforces */
    public Registry(StateStore store, Clock clock, Log log, Limits limits) {
        this.store = store;
        this.clock = clock;
        this.log = log;
        this.startedAt = clock.millis();
        this.quotas = new Quotas(limits, clock);
        this.services = new ServiceTable(store, quotas, clock, log);
        this.sessions = new SessionTable(quotas, clock);
        this.ownedNames = new OwnedNames(store, services, log);
    }

    /** {@code peer names}: the names the peer's identity owns. */
    public ControlMessage listNames(Peer peer, ListNames request) {
        return ownedNames.list(peer, request);
    }

    /** {@code peer release}: the peer's identity gives up one of its names; completes on the peer's event loop. */
    public CompletableFuture<ControlMessage> releaseName(Peer peer, ReleaseName request) {
        return ownedNames.release(peer, request);
    }

    public Limits limits() {
        return quotas.limits;
    }

    /** Whether a punching signal from {@code from} is within its identity's and token's Candidates rate. */
    boolean maySignal(Peer from) {
        return quotas.takeSignal(from);
    }

    /** Identities and tokens whose quotas are remembered now: the live ones and those resting (for tests). */
    int rememberedQuotas() {
        return quotas.remembered();
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
            return CompletableFuture.completedFuture(services.stateUnavailable(request.requestId(), e));
        }
        Optional<Error> refused = TokenChecks.refusal(state, peer, request.requestId(), name, "register");
        if (refused.isPresent()) {
            return CompletableFuture.completedFuture(refused.get());
        }
        return services.register(peer, request, name, state);
    }

    /**
     * The connector's {@code Open}: a session to the service's exposer, announced to it by {@code Incoming}.
     * Returns the connector's reply: {@code Opened} or an {@code Error}.
     */
    public ControlMessage openSession(Peer connector, Open request) {
        String name = request.name().toLowerCase(Locale.ROOT);
        String tooFast = quotas.takeOpen(connector);
        if (tooFast != null) {
            return new Error(request.requestId(), ErrorCode.LIMIT, tooFast);
        }
        State state;
        try {
            state = store.read();
        } catch (IOException e) {
            return services.stateUnavailable(request.requestId(), e);
        }
        Optional<Error> refused = TokenChecks.refusal(state, connector, request.requestId(), name, "connect to");
        if (refused.isPresent()) {
            return refused.get();
        }
        Peer exposer = services.exposer(name);
        if (exposer == null) {
            return new Error(request.requestId(), ErrorCode.UNKNOWN_NAME, services.whyOffline(name));
        }
        refused = AccessPolicy.refusal(state, exposer.allowed(name), connector, request.requestId(), name);
        if (refused.isPresent()) {
            return refused.get();
        }
        String busy = sessions.exposerBusy(exposer);
        if (busy != null) {
            return new Error(request.requestId(), ErrorCode.LIMIT, busy);
        }
        String limit = quotas.takeSession(connector);
        if (limit != null) {
            return new Error(request.requestId(), ErrorCode.LIMIT, limit);
        }
        RelaySession session = sessions.open(name, connector, exposer, null);
        if (session == null) {
            quotas.releaseSession(connector);
            return new Error(request.requestId(), ErrorCode.UNKNOWN_NAME, services.whyOffline(name));
        }
        log.debug("session " + Integer.toUnsignedString(session.id(), 16) + ": " + connector.id() + " -> '" + name + "'");
        SessionSecret secret = SessionSecret.random();
        exposer.send(new Incoming(session.id(), name, connector.id(), secret));
        return new Opened(request.requestId(), session.id(), name, exposer.id(), exposer.port(name), secret,
                exposer.hardToPunch(), exposer.relayOnly(), exposer.carries(name));
    }

    /**
     * A session from public ingress, whose connector is the rendezvous itself (key {@code connectorKey}),
     * announced to the exposer like any other; empty when the service is offline.
     */
    public Optional<RelaySession> openIngressSession(String name, String connectorKey, IngressConnector ingress) {
        Peer exposer = services.exposer(name);
        RelaySession session = exposer == null || sessions.exposerBusy(exposer) != null ? null
                : sessions.open(name, null, exposer, ingress);
        if (session != null) {
            exposer.send(new Incoming(session.id(), name, connectorKey, SessionSecret.random()));
        }
        return Optional.ofNullable(session);
    }

    /** A party's {@code Close}: the session ends and its other side hears {@code reason}; others' sessions are left be. */
    public void end(Peer from, int sessionId, String reason) {
        RelaySession session = sessions.get(sessionId);
        if (session != null && (session.other(from) != null || session.ingress() != null && session.exposer() == from)) {
            sessions.end(session, from, reason);
        }
    }

    /** Public ingress ended its session (its QUIC connection closed): the exposer forgets it and hears {@code reason}. */
    public void endIngressSession(int sessionId, String reason) {
        RelaySession session = sessions.get(sessionId);
        if (session != null && session.ingress() != null) {
            sessions.end(session, null, reason);
        }
    }

    /**
     * The peer's connection closed: its services go offline and its sessions end. A direct session does not
     * need the rendezvous, so its other peer is not told: it keeps it (and ends it if its path dies).
     */
    public void drop(Peer peer) {
        peer.markDropped();
        services.dropAllOf(peer);
        sessions.endAllOf(peer, "the other peer disconnected", false);
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
        services.keepOnlyNamesOf(state);
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
            sessions.endAllOfCut(peer, "the other peer's token was revoked");
            peer.channel().writeAndFlush(new Error(0, ErrorCode.TOKEN_REVOKED, reason));
            // Not closed at once: closing a socket with unread bytes in it sends a reset, which can make the peer's
            // kernel discard the Error before the peer reads it. An honest peer closes first; others are closed here.
            peer.channel().eventLoop().schedule(() -> peer.channel().close(), CUT_GRACE_MILLIS, TimeUnit.MILLISECONDS);
        });
    }

    /** The live session {@code id}, or null. (On the relay's hot path: no Optional.) */
    public RelaySession session(int id) {
        return sessions.get(id);
    }

    /** The connection that exposes {@code name} now, if any; it may have just closed (check its channel). */
    public Optional<Peer> exposerOf(String name) {
        return Optional.ofNullable(services.exposer(name));
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
        return services.views();
    }

    public List<SessionView> sessions() {
        return sessions.views();
    }
}
