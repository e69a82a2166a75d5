package dev.pinhole.protocol.stun;

/** A datagram on the STUN port that is not a STUN Binding request; it is dropped and counted. */
public final class StunFormatException extends Exception {
    public StunFormatException(String message) {
        super(message, null, false, false);
    }
}
