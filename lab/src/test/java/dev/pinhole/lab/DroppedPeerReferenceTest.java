package dev.pinhole.lab;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.pinhole.protocol.Carries;
import dev.pinhole.protocol.ControlMessage.Publish;
import dev.pinhole.protocol.ControlMessage.Publish.Kind;
import dev.pinhole.protocol.ControlMessage.Published;
import dev.pinhole.protocol.ControlMessage.Register;
import dev.pinhole.protocol.ControlMessage.Registered;
import dev.pinhole.protocol.tls.Identity;
import dev.pinhole.rendezvous.RendezvousServer;
import dev.pinhole.rendezvous.registry.Peer;
import java.lang.ref.WeakReference;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A peer that published a name over HTTP and HTTPS and then went away leaves nothing of its connection behind:
 * the name stays published ("offline") without keeping its {@link Peer}, and so its channel and handler,
 * reachable; names published once do not pin dead connections until a restart (docs/security.md, "Limits: rates
 * per identity and per token").
 */
class DroppedPeerReferenceTest {
    @TempDir Path dir;

    /**
     * Logs in as {@code identity}, registers and publishes "gone", then closes; returns a weak reference to the
     * server's {@link Peer} of that connection. (A method of its own, so that no local variable of the test holds it.)
     */
    static WeakReference<Peer> publishAndLeave(Rig rig, RendezvousServer server, Identity identity) throws Exception {
        try (RawControlClient exposer = new RawControlClient(rig.joinCode(), identity, 1 << 16)) {
            exposer.send(new Register(1, "gone", 80, List.of(), Carries.TCP));
            assertInstanceOf(Registered.class, exposer.read());
            exposer.send(new Publish(2, "gone", Kind.HTTP, 0, "", List.of(), ""));
            assertInstanceOf(Published.class, exposer.read());
            exposer.send(new Publish(3, "gone", Kind.HTTPS, 0, "", List.of(), ""));
            assertInstanceOf(Published.class, exposer.read());
            return new WeakReference<>(server.registry().exposerOf("gone").orElseThrow());
        }
    }

    @Test
    void aDroppedExposersConnectionIsNoLongerReferencedByTheServer() throws Exception {
        try (Rig rig = new Rig(dir)) {
            RendezvousServer server = rig.startServerWithStun();
            Identity identity = Identity.generate("gone");
            WeakReference<Peer> peer = publishAndLeave(rig, server, identity);
            await().atMost(Duration.ofSeconds(10)).until(() -> server.registry().exposerOf("gone").isEmpty()
                    && server.registry().peers().stream().noneMatch(p -> p.id().equals(identity.keyFingerprint())));
            // What a visitor sees: the name is still published, and its peer is offline.
            URI http = URI.create(server.ingressUrls().get(0).replace("NAME", "gone"));
            try (RawHttp visitor = new RawHttp("127.0.0.1", http.getPort())) {
                RawHttp.Response page = visitor.get(http.getHost(), "/");
                assertEquals(502, page.status(), page.body());
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                System.gc();
                return peer.get() == null;
            });
        }
    }
}
