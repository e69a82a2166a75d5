package dev.pinhole.rendezvous.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.protocol.ControlMessage.Relay;
import dev.pinhole.protocol.tls.Identity;
import dev.pinhole.rendezvous.registry.Registry;
import dev.pinhole.rendezvous.state.FileStateStore;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.DefaultEventLoop;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An exposer's packets for public ingress wait in the ingress loop's task queue until that loop takes them; while
 * it is busy they count against {@link Ingress#MAX_PENDING} and what is over it is dropped, so a malicious exposer
 * that ignores congestion control cannot queue the server's memory away (docs/security.md, "Limits: connections,
 * control plane, quotas").
 */
class IngressHandOffTest {
    /** Each delivered batch: one packet of about a relay frame's size. */
    static final int PACKET = 60_000;
    /** What the exposer hands over while the loop is busy: 8 times the bound. */
    static final int BATCHES = (int) (8 * Ingress.MAX_PENDING / PACKET);

    @TempDir Path dir;

    @Test
    void packetsHandedToABusyIngressLoopAreBoundedByTheWaterMarkAndTheRestDropped() throws Exception {
        Registry registry = new Registry(new FileStateStore(dir), Clock.systemUTC(), line -> { });
        DefaultEventLoop loop = new DefaultEventLoop();
        CountDownLatch busy = new CountDownLatch(1);
        CountDownLatch ran = new CountDownLatch(1);
        try {
            loop.execute(() -> {
                try {
                    busy.await(30, TimeUnit.SECONDS); // bounded, should the test fail before releasing it
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Ingress ingress = new Ingress(registry, Identity.generate("rendezvous"), loop);
            long before = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
            for (int i = 0; i < BATCHES; i++) {
                ByteBuf payload = PooledByteBufAllocator.DEFAULT.directBuffer(PACKET).writeZero(PACKET);
                ingress.deliver(List.of(new Relay(1, 0, payload)));
            }
            long held = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory() - before;
            long accepted = Ingress.MAX_PENDING / PACKET;
            assertEquals(BATCHES - accepted, registry.metrics.droppedPackets.sum());
            // The pool holds memory in chunks of 4 MiB: the bound, plus a partly used chunk on either side of it.
            assertTrue(held <= 3 * Ingress.MAX_PENDING, "direct memory held for the busy loop: " + (held >> 20) + " MiB");
            busy.countDown();
            loop.execute(ran::countDown);
            assertTrue(ran.await(10, TimeUnit.SECONDS));
        } finally {
            busy.countDown();
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }
}
