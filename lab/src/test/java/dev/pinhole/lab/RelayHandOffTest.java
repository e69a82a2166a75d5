package dev.pinhole.lab;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.protocol.Carries;
import dev.pinhole.protocol.ControlMessage;
import dev.pinhole.protocol.ControlMessage.Opened;
import dev.pinhole.protocol.ControlMessage.Register;
import dev.pinhole.protocol.ControlMessage.Registered;
import dev.pinhole.protocol.tls.Identity;
import dev.pinhole.rendezvous.RendezvousServer;
import dev.pinhole.rendezvous.registry.Peer;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Relayed packets for a peer on the other event loop wait in that loop's task queue until it runs; they count
 * against the target's 4 MiB mark meanwhile, so a peer flooding Relay at a target whose loop is busy (here: held
 * by the test) makes the rendezvous drop packets, not queue them (docs/security.md, "Limits: connections, control
 * plane, quotas"). Real TLS connections on loopback.
 */
@ExtendWith(AtRealSpeed.class)
class RelayHandOffTest {
    /** The server's direct memory may grow by the 4 MiB in flight, read buffers and pool chunks; not by the flood. */
    static final long DIRECT_BOUND = 24L << 20;

    @TempDir Path dir;

    /** Logs in and registers {@code name}; returns the client and the server's {@link Peer} for it. */
    static RawControlClient registered(Rig rig, RendezvousServer server, String name, List<RawControlClient> open)
            throws Exception {
        RawControlClient client = new RawControlClient(rig.joinCode(), Identity.generate(name), 4096);
        open.add(client);
        client.send(new Register(1, name, 80, List.of(), Carries.TCP));
        assertInstanceOf(Registered.class, client.read());
        return client;
    }

    @Test
    void aFloodTowardsAPeerWhoseLoopIsBusyIsDroppedAboveTheMarkNotQueued() throws Exception {
        List<RawControlClient> open = new ArrayList<>();
        CountDownLatch busy = new CountDownLatch(1);
        try (Rig rig = new Rig(dir); LocalWebServer web = new LocalWebServer()) {
            RendezvousServer server = rig.startServerWithStun();
            rig.exposeReady(Identity.generate("honest"), "web", web.port());
            var honest = rig.connectReady(Identity.generate("visitor"), "web");
            registered(rig, server, "sink", open);
            Peer sink = server.registry().exposerOf("sink").orElseThrow();
            // The sender must be on the other event loop (connections take the two loops in turn).
            RawControlClient sender = null;
            for (int i = 0; i < 4 && sender == null; i++) {
                RawControlClient candidate = registered(rig, server, "src" + i, open);
                Peer peer = server.registry().exposerOf("src" + i).orElseThrow();
                sender = peer.channel().eventLoop() != sink.channel().eventLoop() ? candidate : null;
            }
            assertTrue(sender != null, "no connection on the other event loop");
            sender.send(new ControlMessage.Open(2, "sink"));
            Opened opened = assertInstanceOf(Opened.class, sender.read());
            ServerMemory before = ServerMemory.now();
            long droppedBefore = server.registry().metrics.droppedPackets.sum();
            // The sink's loop is busy (bounded: released below, or after 60 s at most).
            sink.channel().eventLoop().execute(() -> {
                try {
                    busy.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            AtomicLong sent = new AtomicLong();
            AtomicLong progress = new AtomicLong(System.nanoTime());
            byte[] frame = RawControlClient.frame(new ControlMessage.Relay(opened.sessionId(), 0,
                    Unpooled.wrappedBuffer(new byte[60_000])));
            Thread writer = ControlFloodTest.flood(sender, frame, sent, progress);
            await().atMost(Duration.ofSeconds(50)).until(() -> !writer.isAlive()
                    || System.nanoTime() - progress.get() > ControlFloodTest.STALLED_NANOS);
            ServerMemory during = ServerMemory.now();
            long dropped = server.registry().metrics.droppedPackets.sum() - droppedBefore;
            System.out.println("Relay flood at a busy loop: " + (sent.get() >> 20) + " MiB sent, " + dropped
                    + " packets dropped; server " + during.since(before));
            assertTrue(sent.get() >= 32L << 20, "the flood was read (sent " + sent.get() + ")");
            assertTrue(dropped > 0, "packets over the mark were dropped");
            assertTrue(during.direct() - before.direct() < DIRECT_BOUND, during.since(before));
            assertTrue(during.heap() - before.heap() < 128L << 20, during.since(before));
            busy.countDown();
            // Once the loop is free again, the honest peers are served.
            DirectTunnelTest.download(Rig.port(honest), 1L << 20);
        } finally {
            busy.countDown();
            for (RawControlClient client : open) {
                try {
                    client.close();
                } catch (IOException e) {
                    // closed by the server already
                }
            }
        }
    }
}
