package dev.pinhole.session;

import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicConnectionStats;
import java.util.function.BiConsumer;

/** A session's own byte count (QUIC's, both paths): once a session is direct, only its ends see its bytes. */
public final class QuicBytes {
    private QuicBytes() {}

    /** Calls {@code sentAndReceived} with the counts of a live connection (on its loop); nothing for a closed one. */
    public static void count(QuicChannel quic, BiConsumer<Long, Long> sentAndReceived) {
        if (quic == null || !quic.isActive()) {
            return;
        }
        quic.collectStats().addListener(f -> {
            if (f.isSuccess()) {
                QuicConnectionStats stats = (QuicConnectionStats) f.getNow();
                sentAndReceived.accept(stats.sentBytes(), stats.recvBytes());
            }
        });
    }
}
