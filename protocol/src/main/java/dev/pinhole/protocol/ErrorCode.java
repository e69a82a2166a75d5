package dev.pinhole.protocol;

/** Why the rendezvous refused a request. Sent by name so that old peers can read new codes as {@link #OTHER}. */
public enum ErrorCode {
    BAD_TOKEN,
    UNSUPPORTED_VERSION,
    BAD_NAME,
    NAME_TAKEN,
    UNKNOWN_NAME,
    NOT_LOGGED_IN,
    PROTOCOL,
    TIMEOUT,
    PORT_UNAVAILABLE,
    /** The peer's token was revoked: with request id 0 it ends the connection, and the peer ends every session. */
    TOKEN_REVOKED,
    /** The token is scoped to other names ({@code rendezvous token create --names}). */
    NAME_NOT_ALLOWED,
    /** Over a quota or rate: the message names the limit and what to do (docs/security.md). */
    LIMIT,
    /** The service admits only the peers its exposer listed ({@code peer expose --allow-peer}); the connector is not one. */
    PEER_NOT_ALLOWED,
    OTHER;

    static ErrorCode parse(String name) {
        for (ErrorCode code : values()) {
            if (code.name().equals(name)) {
                return code;
            }
        }
        return OTHER;
    }
}
