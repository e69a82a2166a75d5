package dev.pinhole.rendezvous.dashboard;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard connection's deadlines, on the listener's own pipeline in an EmbeddedChannel whose clock the
 * test moves: a request trickled in is cut at its deadline while bytes still come, a silent connection at the
 * idle limit, and an answered one is idle again from its answer.
 */
class DashboardClockTest {
    @TempDir Path dir;
    EmbeddedChannel channel;

    @BeforeEach
    void setUp() throws Exception {
        DashboardSource source = new DashboardSource() {
            @Override public Map<String, Object> state() { return Map.of("peers", List.of()); }
            @Override public String metrics() { return ""; }
        };
        channel = new EmbeddedChannel();
        channel.freezeTime();
        DashboardServer.install(channel.pipeline(),
                new DashboardHandler(AdminSecret.loadOrCreate(dir.resolve("dashboard-secret")), source, () -> { }));
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    void send(String text) {
        channel.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII));
    }

    void seconds(int n) {
        channel.advanceTimeBy(n, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
    }

    String answered() {
        StringBuilder all = new StringBuilder();
        for (Object msg; (msg = channel.readOutbound()) != null; ) {
            all.append(((ByteBuf) msg).toString(StandardCharsets.US_ASCII));
            ((ByteBuf) msg).release();
        }
        return all.toString();
    }

    @Test
    void aRequestTrickledInIsCutAtItsDeadlineWhileBytesStillCome() {
        send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
        for (int second = 1; second < DashboardServer.REQUEST_SECONDS; second++) {
            seconds(1);
            send("a");
            assertTrue(channel.isOpen(), "open at " + second + " s");
        }
        seconds(1);
        assertFalse(channel.isOpen(), "a byte a second does not buy more than " + DashboardServer.REQUEST_SECONDS + " s");
        assertTrue(answered().isEmpty(), "no page for a client that stalls");
    }

    @Test
    void aSilentConnectionIsClosedAtTheIdleLimit() {
        seconds(DashboardServer.IDLE_SECONDS - 1);
        assertTrue(channel.isOpen());
        seconds(1);
        assertFalse(channel.isOpen());
    }

    @Test
    void anAnsweredConnectionIsIdleFromItsAnswer() {
        seconds(DashboardServer.IDLE_SECONDS - 5);
        send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        assertTrue(answered().startsWith("HTTP/1.1 200 OK"));
        seconds(DashboardServer.IDLE_SECONDS - 1);
        assertTrue(channel.isOpen(), "a keep-alive connection gets the whole idle limit after each answer");
        seconds(1);
        assertFalse(channel.isOpen());
    }
}
