package dev.pinhole.protocol;

/**
 * What a service carries: TCP connections (as QUIC streams), UDP datagrams (as QUIC DATAGRAM frames), or both on one
 * name (docs/udp.md). The exposer says it in {@link ControlMessage.Register}, the rendezvous passes it on in
 * {@link ControlMessage.Opened}, and a connector asking for what the name does not carry stops with a clear message.
 * {@link #bits()} is its byte on the wire (see {@link ControlCodec}).
 */
public enum Carries {
    TCP(1),
    UDP(2),
    TCP_AND_UDP(3);

    private final int bits;

    Carries(int bits) {
        this.bits = bits;
    }

    /** Bit 0: TCP, bit 1: UDP. */
    public int bits() {
        return bits;
    }

    public boolean tcp() {
        return (bits & 1) != 0;
    }

    public boolean udp() {
        return (bits & 2) != 0;
    }

    /** The value for {@code tcp} and {@code udp}; at least one must be set. */
    public static Carries of(boolean tcp, boolean udp) {
        if (!tcp && !udp) {
            throw new IllegalArgumentException("carries: neither TCP nor UDP (expected: at least one)");
        }
        return tcp && udp ? TCP_AND_UDP : udp ? UDP : TCP;
    }

    /** Decodes the wire byte; anything but 1..3 fails, as the codec's strict decoding wants. */
    static Carries ofBits(int bits) {
        return switch (bits) {
            case 1 -> TCP;
            case 2 -> UDP;
            case 3 -> TCP_AND_UDP;
            default -> throw new ProtocolException("carries: " + bits + " (expected: 1 TCP, 2 UDP or 3 both)");
        };
    }

    /** As users read it: "TCP", "UDP" or "TCP and UDP". */
    public String text() {
        return this == TCP_AND_UDP ? "TCP and UDP" : name();
    }
}
