package dev.pinhole.lab;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.protocol.ControlMessage;
import dev.pinhole.protocol.ErrorCode;
import dev.pinhole.protocol.tls.Identity;
import dev.pinhole.rendezvous.RendezvousServer;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * An authenticated peer attacking the control plane over a real TLS connection: it floods requests whose
 * answers it never reads, or opens sessions to an exposer it never handshakes with. The server's memory stays
 * bounded and an honest exposer and connector keep working (docs/security.md, "Limits: connections, control
 * plane, quotas").
 */
@ExtendWith(AtRealSpeed.class)
class ControlFloodTest {
    /** What the flood may send at most: enough to grow an unbounded buffer far past the bound below. */
    static final long FLOOD_BYTES = 96L << 20;
    /** The server's send buffer stops at the 4 MiB high-water mark; this leaves room for the honest transfer. */
    static final long DIRECT_BOUND = 40L << 20;
    /**
     * Heap after a collection, rendezvous and peers together: sessions, registry entries and QUIC state for the
     * flood's 64 sessions at most take a few MiB; a buffer or table that grew with the flood would take far more.
     */
    static final long HEAP_BOUND = 128L << 20;

    @TempDir Path dir;

    /**
     * Writes {@code frame} over and over, up to {@link #FLOOD_BYTES}, on its own thread; blocks when the server stops
     * reading. {@code progress} holds the nanoTime of its last write.
     */
    static Thread flood(RawControlClient attacker, byte[] frame, AtomicLong sent, AtomicLong progress) {
        ByteArrayOutputStream chunk = new ByteArrayOutputStream();
        while (chunk.size() < 64 * 1024) {
            chunk.writeBytes(frame);
        }
        byte[] bytes = chunk.toByteArray();
        Thread writer = new Thread(() -> {
            try {
                while (sent.get() < FLOOD_BYTES) {
                    attacker.sendBytes(bytes);
                    sent.addAndGet(bytes.length);
                    progress.set(System.nanoTime());
                }
            } catch (IOException e) {
                // closed: by the server, or by the test at the end
            }
        }, "flood");
        writer.setDaemon(true);
        writer.start();
        return writer;
    }

    /**
     * @param answered whether the request has an answer (the server must then pause the flood) or at most a
     *                 courtesy notice (the server may read on, dropping the notices)
     */
    void floodWithoutReading(ControlMessage request, String what, boolean answered) throws Exception {
        try (Rig rig = new Rig(dir); LocalWebServer web = new LocalWebServer()) {
            RendezvousServer server = rig.startServerWithStun();
            rig.exposeReady(Identity.generate("honest"), "web", web.port());
            var connector = rig.connectReady(Identity.generate("visitor"), "web");
            ServerMemory before = ServerMemory.now();
            AtomicLong sent = new AtomicLong();
            AtomicLong progress = new AtomicLong(System.nanoTime());
            try (RawControlClient attacker = new RawControlClient(rig.joinCode(), Identity.generate("attacker"), 4096)) {
                Thread writer = flood(attacker, RawControlClient.frame(request), sent, progress);
                // The honest peers keep working meanwhile.
                DirectTunnelTest.download(Rig.port(connector), 8L << 20);
                // Answered requests: the server stops reading, the attacker's writes block (a server that kept reading
                // and answering into its buffer would take them all). Others: it reads them all and answers nothing.
                await().atMost(Duration.ofSeconds(90)).until(() -> !writer.isAlive()
                        || System.nanoTime() - progress.get() > STALLED_NANOS);
                ServerMemory during = ServerMemory.now();
                System.out.println(what + " flood, never reading: " + (sent.get() >> 20) + " MiB sent, server " + during.since(before));
                if (answered) {
                    assertTrue(writer.isAlive() && sent.get() < FLOOD_BYTES, "the server paused the connection (sent "
                            + sent.get() + ")");
                } else {
                    assertTrue(sent.get() >= FLOOD_BYTES, "the server read the whole flood (sent " + sent.get() + ")");
                }
                assertTrue(during.direct() - before.direct() < DIRECT_BOUND, during.since(before));
                assertTrue(during.heap() - before.heap() < HEAP_BOUND, during.since(before));
                DirectTunnelTest.download(Rig.port(connector), 1L << 20);
            }
            assertTrue(server.connectionBudget().open() >= 2, "the honest peers are still connected");
        }
    }

    /** No write went through for this long: the server is not reading (a busy server still takes 64 KiB a second). */
    static final long STALLED_NANOS = 5_000_000_000L;

    @Test
    void aPeerFloodingPingsWithoutReadingThePongsIsPaused() throws Exception {
        floodWithoutReading(new ControlMessage.Ping(42), "Ping", true);
    }

    @Test
    void aPeerFloodingPacketsForUnknownSessionsWithoutReadingIsNotAnsweredIntoABuffer() throws Exception {
        floodWithoutReading(new ControlMessage.Relay(1234, 0, Unpooled.wrappedBuffer(new byte[16])), "Relay to no session",
                false);
    }

    @Test
    void anOpenFloodGetsQuotaErrorsAndTheExposerAndAnHonestConnectorCarryOn() throws Exception {
        try (Rig rig = new Rig(dir); LocalWebServer web = new LocalWebServer()) {
            RendezvousServer server = rig.startServerWithStun();
            var exposer = rig.exposeReady(Identity.generate("honest"), "web", web.port());
            ServerMemory before = ServerMemory.now();
            int opened = 0;
            int limited = 0;
            String limit = null;
            try (RawControlClient attacker = new RawControlClient(rig.joinCode(), Identity.generate("attacker"), 1 << 16)) {
                for (int i = 1; i <= 2_000; i++) {
                    attacker.send(new ControlMessage.Open(i, "web"));
                }
                for (int i = 1; i <= 2_000; i++) {
                    ControlMessage reply = attacker.read();
                    if (reply instanceof ControlMessage.Opened) {
                        opened++;
                    } else if (reply instanceof ControlMessage.Error error && error.code() == ErrorCode.LIMIT) {
                        limited++;
                        limit = error.message();
                    }
                }
                assertEquals(2_000, opened + limited);
                assertTrue(opened <= 64, opened + " sessions opened");
                assertTrue(limit.startsWith("Open rate: 10.0 per second, 20 at once") || limit.startsWith("sessions open at once: 64"),
                        limit);
                // The exposer is up and an honest connector gets through while the flood's sessions are pending.
                var connector = rig.connectReady(Identity.generate("visitor"), "web");
                DirectTunnelTest.download(Rig.port(connector), 1L << 20);
                assertTrue(exposer.node() != null && !exposer.out().last("session").isEmpty());
                // The flood's sessions never see a handshake: the exposer expires them (10 s), the rendezvous forgets them.
                await().atMost(Duration.ofSeconds(20)).until(() -> server.registry().sessions().size() == 1);
                ServerMemory after = ServerMemory.now();
                System.out.println("Open flood: " + opened + " opened, " + limited + " refused (" + limit + "); server "
                        + after.since(before));
                assertTrue(after.direct() - before.direct() < DIRECT_BOUND, after.since(before));
                assertTrue(after.heap() - before.heap() < HEAP_BOUND, after.since(before));
            }
        }
    }
}
