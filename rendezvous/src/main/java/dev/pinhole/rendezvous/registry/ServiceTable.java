package dev.pinhole.rendezvous.registry;

import dev.pinhole.protocol.ControlMessage;
import dev.pinhole.protocol.ControlMessage.Error;
import dev.pinhole.protocol.ControlMessage.Register;
import dev.pinhole.protocol.ControlMessage.Registered;
import dev.pinhole.protocol.ErrorCode;
import dev.pinhole.rendezvous.Limits;
import dev.pinhole.rendezvous.Log;
import dev.pinhole.rendezvous.registry.Registry.ServiceView;
import dev.pinhole.rendezvous.state.State;
import dev.pinhole.rendezvous.state.StateStore;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Services by name: which connection exposes each name now, and the claims of names in the {@link StateStore}
 * that put them there. A part of {@link Registry}, which alone calls it (docs/architecture.md, "Rendezvous
 * registry"); the name and token checks that come before a claim are the registry's.
 */
final class ServiceTable {
    private final Map<String, Peer> services = new ConcurrentHashMap<>();
    private final StateStore store;
    private final Quotas quotas;
    private final Clock clock;
    private final Log log;

    ServiceTable(StateStore store, Quotas quotas, Clock clock, Log log) {
        this.store = store;
        this.quotas = quotas;
        this.clock = clock;
        this.log = log;
    }

    /**
     * Routes {@code name} (canonical, allowed by the peer's token) to the peer, claiming it first if nobody owns
     * it in {@code state}; completes on the peer's event loop.
     */
    CompletableFuture<ControlMessage> register(Peer peer, Register request, String name, State state) {
        if (state.names().containsKey(name)) {
            return CompletableFuture.completedFuture(claimed(peer, request, state.names().get(name)));
        }
        String overQuota = namesOverQuota(state, peer);
        if (overQuota != null) {
            return CompletableFuture.completedFuture(new Error(request.requestId(), ErrorCode.LIMIT, overQuota));
        }
        CompletableFuture<ControlMessage> reply = new CompletableFuture<>();
        // Claimed under the store's lock: of two identities racing for a new name one wins, and two connections of
        // one identity or token cannot both take the last name of its quota.
        State.NameRecord claim = new State.NameRecord(name, peer.id(), clock.instant().getEpochSecond(), peer.tokenId());
        store.updateLater(s -> s.names().containsKey(name) || namesOverQuota(s, peer) != null ? s : s.withName(claim))
                .whenComplete((next, error) -> peer.onLoop(() -> {
                    if (error != null) {
                        reply.complete(stateUnavailable(request.requestId(), error));
                    } else if (!next.names().containsKey(name)) {
                        reply.complete(new Error(request.requestId(), ErrorCode.LIMIT, namesOverQuota(next, peer)));
                    } else {
                        ControlMessage answer = claimed(peer, request, next.names().get(name));
                        if (answer instanceof Error && claim.equals(next.names().get(name))) {
                            unclaim(claim); // refused after the claim (a quota): the name is not kept
                        }
                        reply.complete(answer);
                    }
                }));
        return reply;
    }

    /**
     * Takes back a name that {@code register} claimed for a registration it then refused (a quota, a dropped
     * connection): a refused {@code expose} leaves no name behind (docs/cli.md, "peer names and peer release").
     */
    private void unclaim(State.NameRecord claimed) {
        store.updateLater(state -> claimed.equals(state.names().get(claimed.name())) ? state.withoutName(claimed.name()) : state)
                .whenComplete((next, error) -> {
                    if (error == null) {
                        log.info("name '" + claimed.name() + "' not kept: its registration was refused");
                    }
                });
    }

    /**
     * The name quota one more name would break, or null: names owned by the peer's identity, and names bound to its
     * token (a token holder minting keys still hits a ceiling: {@link Limits#TOKEN_FACTOR}).
     */
    private String namesOverQuota(State state, Peer peer) {
        int byIdentity = 0;
        int byToken = 0;
        for (State.NameRecord owned : state.names().values()) {
            byIdentity += owned.owner().equals(peer.id()) ? 1 : 0;
            byToken += peer.tokenId().equals(owned.tokenId()) ? 1 : 0;
        }
        int perPeer = quotas.limits.namesPerPeer();
        if (byIdentity >= perPeer) {
            return "names owned: " + perPeer + " (limit per peer; reuse one of yours, or ask the operator to release"
                    + " some or raise --max-names-per-peer)";
        }
        int perToken = perPeer * Limits.TOKEN_FACTOR;
        if (byToken >= perToken) {
            return "names owned: " + perToken + " (limit per token, " + Limits.TOKEN_FACTOR + " x --max-names-per-peer;"
                    + " reuse one of the token's names, or ask the operator to release some: rendezvous names release)";
        }
        return null;
    }

    /** On the peer's event loop, where its drop runs: a route added after the drop would outlive it. */
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
        peer.exposes(name, request.port(), request.allowPeers(), request.carries());
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

    Error stateUnavailable(int requestId, Throwable e) {
        log.error("cannot save state: " + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()));
        return new Error(requestId, ErrorCode.OTHER, "the rendezvous cannot save its state");
    }

    /** The connection exposing {@code name} now, or null. */
    Peer exposer(String name) {
        return services.get(name);
    }

    String whyOffline(String name) {
        try {
            return store.read().names().containsKey(name)
                    ? "service '" + name + "' is known but its peer is offline"
                    : "no service named '" + name + "' on this rendezvous";
        } catch (IOException e) {
            return "no service named '" + name + "' is online";
        }
    }

    /** The peer's connection closed: its services go offline. */
    void dropAllOf(Peer peer) {
        services.entrySet().removeIf(service -> {
            if (service.getValue() == peer) {
                quotas.releaseService(peer);
                log.info("service '" + service.getKey() + "' offline");
                return true;
            }
            return false;
        });
    }

    /** Names no longer in {@code state} (released by the operator, or with their token) go offline. */
    void keepOnlyNamesOf(State state) {
        services.forEach((name, owner) -> {
            if (!state.names().containsKey(name) && services.remove(name, owner)) {
                quotas.releaseService(owner);
                log.info("service '" + name + "' offline: its name was released by the operator");
            }
        });
    }

    /** By name. */
    List<ServiceView> views() {
        List<ServiceView> views = new ArrayList<>();
        services.forEach((name, owner) -> views.add(new ServiceView(name, owner.id(), owner.port(name))));
        views.sort(Comparator.comparing(ServiceView::name));
        return views;
    }
}
