package dev.pinhole.lab;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pinhole.peer.node.Exposer;
import dev.pinhole.protocol.Cidr;
import dev.pinhole.protocol.tls.Identity;
import dev.pinhole.rendezvous.RendezvousServer;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A service published on a public TCP port of the rendezvous: reached with no peer at all. */
class TcpIngressTest {
    @TempDir Path dir;

    /** "web" on {@code port}, published on the rendezvous' TCP port {@code publicPort} (0: any it allows). */
    static Exposer.Service webOnTcp(int port, int publicPort, List<Cidr> allowFrom) {
        return new Exposer.Service("web", "127.0.0.1", port, List.of(Exposer.Publication.tcp(publicPort, allowFrom)));
    }

    @Test
    void aVisitorWithoutAPeerReachesTheServiceThroughThePublicPort() throws Exception {
        try (Rig rig = new Rig(dir); LocalWebServer web = new LocalWebServer()) {
            rig.startServerWithStun();
            var exposer = rig.expose(Identity.generate("a"), rig.joinCode(), webOnTcp(web.port(), 0, List.of()));
            await().atMost(Duration.ofSeconds(10)).until(() -> exposer.out().last("published").isPresent());
            JsonNode published = exposer.out().last("published").orElseThrow();
            assertEquals("tcp://127.0.0.1:" + rig.publicPort, published.path("url").asText());

            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            URI hello = URI.create("http://127.0.0.1:" + rig.publicPort + "/hello");
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(hello).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(LocalWebServer.HELLO, response.body());
            DirectTunnelTest.download(rig.publicPort, 20L * 1024 * 1024);
            // The exposer saw the rendezvous as an ordinary connecting peer, through the same session code.
            assertTrue(exposer.out().last("session").isPresent());
        }
    }

    @Test
    void aPortOutsideTheRangeIsAClearError() throws Exception {
        try (Rig rig = new Rig(dir); LocalWebServer web = new LocalWebServer()) {
            rig.startServerWithStun();
            int outside = rig.publicPort == 65535 ? 1 : rig.publicPort + 1;
            var exposer = rig.expose(Identity.generate("a"), rig.joinCode(), webOnTcp(web.port(), outside, List.of()));
            assertEquals("cannot publish 'web': public TCP port " + outside + " is outside the range this rendezvous allows ("
                    + rig.publicPort + "-" + rig.publicPort + ")", exposer.node().awaitFailure());
        }
    }

    @Test
    void aVisitorOutsideTheAllowListIsClosedBeforeReachingTheExposer() throws Exception {
        try (Rig rig = new Rig(dir); LocalWebServer web = new LocalWebServer()) {
            rig.startServerWithStun();
            var exposer = rig.expose(Identity.generate("a"), rig.joinCode(), webOnTcp(web.port(), 0,
                    List.of(Cidr.parse("203.0.113.0/24"))));
            await().atMost(Duration.ofSeconds(10)).until(() -> exposer.out().last("published").isPresent());
            assertTrue(exposer.out().last("published").orElseThrow().path("allow").toString().contains("203.0.113.0/24"));
            try (Socket visitor = new Socket("127.0.0.1", rig.publicPort)) {
                visitor.setSoTimeout(10_000);
                // Nothing sent first: unread bytes would turn the close into a reset, which says the same less clearly.
                assertEquals(-1, visitor.getInputStream().read(), "closed without an answer");
            }
            assertTrue(exposer.out().last("session").isEmpty(), "the exposer never saw it");
        }
    }

    @Test
    void aPortIsKeptForItsOwnerWhileItReconnects() throws Exception {
        try (Rig rig = new Rig(dir); LocalWebServer web = new LocalWebServer()) {
            RendezvousServer server = rig.startServerWithStun();
            Identity ownerIdentity = Identity.generate("owner");
            var owner = rig.expose(ownerIdentity, rig.joinCode(), webOnTcp(web.port(), rig.publicPort, List.of()));
            await().atMost(Duration.ofSeconds(10)).until(() -> owner.out().last("published").isPresent());
            // The owner goes away (a reboot, a NAT timeout): stopping it outright keeps it from reconnecting within
            // the 125-250 ms of its first retry, which a squatter's login could lose the race to on a busy machine.
            // Its own reconnect after a dropped connection is ProcessTunnelTest's "re-registered" line.
            owner.node().close();
            // The squatter must ask after the rendezvous saw the drop, or it meets an owner still online ("is taken").
            await().atMost(Duration.ofSeconds(5)).until(() -> server.registry().exposerOf("web").isEmpty());
            var squatter = rig.expose(Identity.generate("squatter"), rig.joinCode(), new Exposer.Service("other",
                    "127.0.0.1", web.port(), List.of(Exposer.Publication.tcp(rig.publicPort, List.of()))));
            assertEquals("cannot publish 'other': public TCP port " + rig.publicPort + " is kept for its owner while it"
                    + " reconnects (for up to 120 s)", squatter.node().awaitFailure());
            // The owner's identity, back, gets the same port.
            var back = rig.expose(ownerIdentity, rig.joinCode(), webOnTcp(web.port(), rig.publicPort, List.of()));
            await().atMost(Duration.ofSeconds(10)).until(() -> back.out().last("published").isPresent());
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            URI hello = URI.create("http://127.0.0.1:" + rig.publicPort + "/hello");
            await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> LocalWebServer.HELLO.equals(http.send(
                    HttpRequest.newBuilder(hello).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString()).body()));
            assertTrue(back.out().lines().stream().noneMatch(l -> l.contains("could not publish")), back.out().lines().toString());
        }
    }
}
