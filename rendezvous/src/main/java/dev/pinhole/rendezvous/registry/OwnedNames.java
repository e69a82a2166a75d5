package dev.pinhole.rendezvous.registry;

import dev.pinhole.protocol.ControlCodec;
import dev.pinhole.protocol.ControlMessage;
import dev.pinhole.protocol.ControlMessage.Error;
import dev.pinhole.protocol.ControlMessage.ListNames;
import dev.pinhole.protocol.ControlMessage.NameReleased;
import dev.pinhole.protocol.ControlMessage.Names;
import dev.pinhole.protocol.ControlMessage.ReleaseName;
import dev.pinhole.protocol.ErrorCode;
import dev.pinhole.protocol.ServiceName;
import dev.pinhole.rendezvous.Log;
import dev.pinhole.rendezvous.state.State;
import dev.pinhole.rendezvous.state.StateStore;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A peer's own names: {@code peer names} lists what its identity owns, as the operator's {@code rendezvous names
 * list} does for all; {@code peer release} frees one of them, as {@code rendezvous names release} does for any. A
 * released name goes offline through {@link Registry#stateChanged}, like one the operator released
 * (docs/cli.md, "peer names and peer release").
 */
final class OwnedNames {
    private final StateStore store;
    private final ServiceTable services;
    private final Log log;

    OwnedNames(StateStore store, ServiceTable services, Log log) {
        this.store = store;
        this.services = services;
        this.log = log;
    }

    ControlMessage list(Peer peer, ListNames request) {
        State state;
        try {
            state = store.read();
        } catch (IOException e) {
            return new Error(request.requestId(), ErrorCode.OTHER, "the rendezvous cannot read its state; try again later");
        }
        List<Names.Entry> owned = state.namesSorted().stream().filter(n -> n.owner().equals(peer.id()))
                .map(n -> new Names.Entry(n.name(), n.tokenId() == null ? "" : n.tokenId(), n.createdAt(),
                        services.exposer(n.name()) != null))
                .toList();
        return new Names(request.requestId(), owned.size(), owned.subList(0, Math.min(owned.size(), ControlCodec.MAX_NAMES_LISTED)));
    }

    /** Completes on the peer's event loop with {@code NameReleased}, or an {@code Error} when the name is not its own. */
    CompletableFuture<ControlMessage> release(Peer peer, ReleaseName request) {
        if (ServiceName.problem(request.name()).isPresent()) {
            return CompletableFuture.completedFuture(notOwned(request, request.name()));
        }
        String name = ServiceName.canonical(request.name());
        boolean[] released = {false};
        CompletableFuture<ControlMessage> reply = new CompletableFuture<>();
        store.updateLater(state -> {
            State.NameRecord record = state.names().get(name);
            released[0] = record != null && record.owner().equals(peer.id());
            return released[0] ? state.withoutName(name) : state;
        }).whenComplete((next, error) -> peer.onLoop(() -> {
            if (error != null) {
                reply.complete(new Error(request.requestId(), ErrorCode.OTHER, "the rendezvous cannot save its state"));
            } else if (released[0]) {
                log.info("name '" + name + "' released by its owner " + peer.id());
                reply.complete(new NameReleased(request.requestId(), name));
            } else {
                reply.complete(notOwned(request, name));
            }
        }));
        return reply;
    }

    /** The same answer whether the name is free or another identity's: who owns what is not this peer's business. */
    private static Error notOwned(ReleaseName request, String name) {
        return new Error(request.requestId(), ErrorCode.UNKNOWN_NAME, "this identity owns no name '" + name
                + "' on this rendezvous (see 'peer names')");
    }
}
