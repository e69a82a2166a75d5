package dev.pinhole.session;

import io.netty.buffer.ByteBuf;

/**
 * One way to carry a session's QUIC packets to the other peer. The QUIC connection never sees which:
 * it talks to a fixed virtual address and {@link PathMux} sends each packet down the current path.
 * Paths are used on the peer's event loop only.
 */
public interface PacketPath {
    /**
     * Sends packets, taking ownership of the buffer: one packet when {@code segmentSize} is 0, else
     * packets of that size back to back (see {@link PacketBatch}). A congested path drops; QUIC recovers.
     */
    void send(ByteBuf packets, int segmentSize);

    /** Pushes out what {@link #send} queued. */
    void flush();

    /** For output: {@code relay} or {@code direct}. */
    String kind();

    /** For output: where the packets go, e.g. the rendezvous' address. */
    String remote();
}
