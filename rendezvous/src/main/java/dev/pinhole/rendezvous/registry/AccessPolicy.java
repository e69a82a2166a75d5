package dev.pinhole.rendezvous.registry;

import dev.pinhole.protocol.AllowedPeer;
import dev.pinhole.protocol.ControlMessage.Error;
import dev.pinhole.protocol.ErrorCode;
import dev.pinhole.rendezvous.state.State;
import java.util.List;
import java.util.Optional;

/**
 * Who may open a session to a service: the peers its exposer listed with {@code --allow-peer} (by key, or by
 * the label of the token they logged in with), or anyone when the list is empty. Public ingress is not a peer
 * and is governed by {@code --allow-ip} and {@code --basic-auth} instead (docs/security.md, "Who may connect to
 * a service").
 */
final class AccessPolicy {
    private AccessPolicy() {}

    /** Refuses {@code connector} when the service's list does not name it: by key, or by its token's label. */
    static Optional<Error> refusal(State state, List<AllowedPeer> allowed, Peer connector, int requestId, String name) {
        if (allowed.isEmpty() || admits(state, allowed, connector)) {
            return Optional.empty();
        }
        return Optional.of(new Error(requestId, ErrorCode.PEER_NOT_ALLOWED, "service '" + name + "' admits only the"
                + " peers its exposer listed (--allow-peer), and this peer's key " + connector.id() + " is not one of"
                + " them; send that key ('peer id' prints it) to whoever runs '" + name + "'"));
    }

    private static boolean admits(State state, List<AllowedPeer> allowed, Peer connector) {
        State.TokenRecord token = state.tokens().get(connector.tokenId());
        String label = token == null ? null : token.label();
        return AllowedPeer.namesKey(allowed, connector.id())
                || allowed.stream().anyMatch(entry -> entry instanceof AllowedPeer.Label l && l.label().equals(label));
    }
}
