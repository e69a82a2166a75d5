package dev.pinhole.protocol.punch;

/** A datagram that starts like a probe but is not a valid one (bad layout or MAC); it is dropped. */
public final class ProbeFormatException extends Exception {
    public ProbeFormatException(String message) {
        super(message, null, false, false);
    }
}
