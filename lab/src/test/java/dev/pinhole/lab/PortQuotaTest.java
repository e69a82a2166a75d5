package dev.pinhole.lab;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.pinhole.peer.node.Exposer;
import dev.pinhole.protocol.JoinCode;
import dev.pinhole.protocol.tls.Identity;
import dev.pinhole.rendezvous.ingress.http.Deadlines;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Public TCP ports per identity and per token (docs/security.md, "Limits: connections, control plane, quotas"), on
 * a rendezvous started with {@code --max-ports-per-peer 1} as an operator types it: an identity's second port and a
 * token's fifth are refused with an error naming the limit, the ports already held keep working, and a peer of
 * another token still gets one. Real listeners on loopback.
 */
class PortQuotaTest {
    /** Room for every port the test asks for (six) with two to spare, should one of them be taken on this host. */
    static final int PUBLIC_PORTS = 8;

    @TempDir Path dir;

    static Exposer.Service onAnyPublicPort(String name, int port) {
        return new Exposer.Service(name, "127.0.0.1", port, List.of(Exposer.Publication.tcp(0, List.of())));
    }

    /** Waits for {@code exposer}'s public port and returns it. */
    static int published(Rig.Running<Exposer> exposer) {
        await().atMost(Duration.ofSeconds(10)).until(() -> exposer.out().last("published").isPresent());
        String url = exposer.out().last("published").orElseThrow().path("url").asText();
        return Integer.parseInt(url.substring(url.lastIndexOf(':') + 1));
    }

    static String refusal(Rig.Running<Exposer> exposer) {
        return assertTimeoutPreemptively(Duration.ofSeconds(10), () -> exposer.node().awaitFailure(), exposer.out()::toString);
    }

    @Test
    void anIdentitysSecondPortAndATokensFifthAreRefusedNamingTheLimit() throws Exception {
        try (Rig rig = new Rig(dir); LocalWebServer web = new LocalWebServer()) {
            rig.startServerWithStun(Deadlines.DEFAULT, PUBLIC_PORTS, "--max-ports-per-peer", "1");
            JoinCode team = rig.joinCode();
            Identity first = Identity.generate("first");
            List<Integer> held = new ArrayList<>();
            held.add(published(rig.expose(first, team, onAnyPublicPort("one", web.port()))));

            var again = rig.expose(first, team, onAnyPublicPort("two", web.port()));
            assertEquals("cannot publish 'two': public ports (TCP and UDP) held at once: 1 (limit per peer; ask the operator to raise"
                    + " --max-ports-per-peer)", refusal(again));

            for (int i = 2; i <= 4; i++) {
                held.add(published(rig.expose(Identity.generate("team" + i), team, onAnyPublicPort("svc" + i, web.port()))));
            }
            var fifth = rig.expose(Identity.generate("team5"), team, onAnyPublicPort("svc5", web.port()));
            assertEquals("cannot publish 'svc5': public ports (TCP and UDP) held at once: 4 (limit per token, 4 x"
                    + " --max-ports-per-peer)", refusal(fifth));

            JoinCode otherToken = IdentityRatesTest.newToken(rig, "other");
            held.add(published(rig.expose(Identity.generate("other"), otherToken, onAnyPublicPort("other", web.port()))));

            assertEquals(5, Set.copyOf(held).size(), held.toString());
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            for (int port : held) {
                HttpRequest hello = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hello"))
                        .timeout(Duration.ofSeconds(10)).build();
                assertEquals(LocalWebServer.HELLO, http.send(hello, HttpResponse.BodyHandlers.ofString()).body(),
                        "port " + port);
            }
        }
    }
}
