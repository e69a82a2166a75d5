package dev.pinhole.rendezvous.registry;

import dev.pinhole.protocol.ControlMessage.Error;
import dev.pinhole.protocol.ErrorCode;
import dev.pinhole.rendezvous.state.State;
import java.util.Optional;

/** What a logged-in peer's token still allows (docs/security.md, "Limits and data safety: tokens, names, state"). */
final class TokenChecks {
    private TokenChecks() {}

    /** Refuses a peer whose token was revoked (not cut off yet) or whose token's scope does not cover {@code name}. */
    static Optional<Error> refusal(State state, Peer peer, int requestId, String name, String what) {
        State.TokenRecord token = state.tokens().get(peer.tokenId());
        if (revoked(state, peer.tokenId())) {
            return Optional.of(new Error(requestId, ErrorCode.TOKEN_REVOKED, revokedMessage(peer.tokenId())));
        }
        if (!token.allows(name)) {
            return Optional.of(new Error(requestId, ErrorCode.NAME_NOT_ALLOWED, "token " + token.id() + " may not "
                    + what + " '" + name + "': it is limited to names " + String.join(", ", token.names())
                    + "; ask the operator for a token that covers it (rendezvous token create --names)"));
        }
        return Optional.empty();
    }

    /** Revoked, or gone from the file (deleted by hand): either way it no longer lets anyone in. */
    static boolean revoked(State state, String tokenId) {
        State.TokenRecord token = state.tokens().get(tokenId);
        return token == null || !token.active();
    }

    static String revokedMessage(String tokenId) {
        return "token " + tokenId + " was revoked by the operator of the rendezvous; ask for a new join code";
    }
}
