package dev.pinhole.session;

import dev.pinhole.protocol.ControlMessage.Relay;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.util.function.Supplier;

/** Session packets framed as {@link Relay} messages over the control connection to the rendezvous. */
public final class RelayPath implements PacketPath {
    /** A frame is at most 65535 bytes; a Relay header (type, session, segment size) takes 7. */
    static final int MAX_PAYLOAD = 65_535 - 7;

    private final int sessionId;
    private final Supplier<Channel> control;
    private final String remote;
    private Channel pending;
    private long dropped;

    /** @param control the logged-in control channel, or null while reconnecting */
    public RelayPath(int sessionId, Supplier<Channel> control, String remote) {
        this.sessionId = sessionId;
        this.control = control;
        this.remote = remote;
    }

    @Override
    public void send(ByteBuf packet, int segmentSize) {
        Channel channel = control.get();
        // Queueing past the high-water mark would only add latency and memory; QUIC treats a drop as loss.
        if (channel == null || !channel.isWritable()) {
            dropped++;
            packet.release();
            return;
        }
        if (segmentSize > 0 && packet.readableBytes() > MAX_PAYLOAD) {
            // A batch of large packets: as many whole packets per frame as fit.
            int perFrame = Math.max(1, MAX_PAYLOAD / segmentSize) * segmentSize;
            while (packet.readableBytes() > perFrame) {
                channel.write(new Relay(sessionId, segmentSize, packet.readRetainedSlice(perFrame)), channel.voidPromise());
            }
        }
        channel.write(new Relay(sessionId, segmentSize, packet), channel.voidPromise());
        pending = channel;
    }

    @Override
    public void flush() {
        if (pending != null) {
            pending.flush();
            pending = null;
        }
    }

    public long dropped() {
        return dropped;
    }

    @Override
    public String kind() {
        return "relay";
    }

    @Override
    public String remote() {
        return remote;
    }
}
