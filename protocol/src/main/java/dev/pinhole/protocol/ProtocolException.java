package dev.pinhole.protocol;

/** A peer sent bytes that do not follow the wire format. Decoders fail closed with one of these. */
public final class ProtocolException extends RuntimeException {
    public ProtocolException(String message) {
        super(message, null, false, false);
    }
}
