package dev.pinhole.lab;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.peer.node.Exposer;
import dev.pinhole.protocol.Carries;
import dev.pinhole.protocol.tls.Identity;
import dev.pinhole.rendezvous.RendezvousServer;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a public UDP port refuses, and why (docs/udp.md, "Public UDP ports"): a port taken, a port outside the range,
 * the quota TCP and UDP ports share, and a publication the service cannot carry.
 */
class PublicUdpPortRulesTest {
    @TempDir Path dir;

    PeerCommand expose(Rig rig, String home, String... flags) {
        List<String> args = new ArrayList<>(List.of("expose", "19132", "--server", rig.joinCode().toString(),
                "--home", dir.resolve(home).toString()));
        args.addAll(List.of(flags));
        return new PeerCommand(args.toArray(String[]::new));
    }

    @Test
    void aTakenPortAndAPortOutsideTheRangeAreRefusedNamingThePort() throws Exception {
        int port = PublicUdpPortTest.freeUdpPort();
        int outside = port == 65535 ? 1 : port + 1;
        try (Rig rig = new Rig(dir)) {
            rig.startServerTyped("--allow-udp-ports", port + "-" + port);
            try (PeerCommand first = expose(rig, "a", "--name", "one", "--udp", "--udp-port", String.valueOf(port))) {
                first.awaitMatch("public: (udp://127.0.0.1:" + port + ")");
                try (PeerCommand second = expose(rig, "b", "--name", "two", "--udp", "--udp-port", String.valueOf(port))) {
                    assertEquals("exit 2", second.awaitMatch("(exit \\d)"), second.log());
                    assertTrue(second.log().contains("cannot publish 'two': public UDP port " + port + " is taken"),
                            second.log());
                }
                try (PeerCommand third = expose(rig, "c", "--name", "three", "--udp", "--udp-port", String.valueOf(outside))) {
                    assertEquals("exit 2", third.awaitMatch("(exit \\d)"), third.log());
                    assertTrue(third.log().contains("cannot publish 'three': public UDP port " + outside + " is outside the"
                            + " range this rendezvous allows (" + port + "-" + port + ")"), third.log());
                }
            }
        }
    }

    @Test
    void aPortIsKeptForItsOwnerWhileItReconnects() throws Exception {
        int port = PublicUdpPortTest.freeUdpPort();
        try (Rig rig = new Rig(dir); UdpServices services = new UdpServices()) {
            RendezvousServer server = rig.startServerTyped("--allow-udp-ports", port + "-" + port);
            int echo = services.echo();
            try (PeerCommand owner = expose(rig, "a", "--name", "game", "--udp", "--udp-port", "auto")) {
                owner.awaitMatch("public: (udp://127.0.0.1:" + port + ")");
            }
            // The squatter must ask after the rendezvous saw the owner go, or it meets an owner still online ("is taken").
            await().atMost(Duration.ofSeconds(5)).until(() -> server.registry().exposerOf("game").isEmpty());
            try (PeerCommand squatter = expose(rig, "b", "--name", "other", "--udp", "--udp-port", String.valueOf(port))) {
                assertEquals("exit 2", squatter.awaitMatch("(exit \\d)"), squatter.log());
                assertTrue(squatter.log().contains("cannot publish 'other': public UDP port " + port + " is kept for its"
                        + " owner while it reconnects (for up to 120 s)"), squatter.log());
            }
            List<String> args = List.of("expose", String.valueOf(echo), "--name", "game", "--udp", "--udp-port", "auto",
                    "--server", rig.joinCode().toString(), "--home", dir.resolve("a").toString());
            try (PeerCommand back = new PeerCommand(args.toArray(String[]::new));
                 DatagramSocket visitor = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                back.awaitMatch("public: (udp://127.0.0.1:" + port + ")");
                assertEquals("again", PublicUdpPortTest.exchange(visitor, new InetSocketAddress("127.0.0.1", port), "again"));
            }
        }
    }

    @Test
    void tcpAndUdpPortsCountInOneQuota() throws Exception {
        int tcp = PublicUdpPortTest.freeUdpPort();
        int udp = PublicUdpPortTest.freeUdpPort();
        try (Rig rig = new Rig(dir)) {
            rig.startServerTyped("--allow-ports", tcp + "-" + tcp, "--allow-udp-ports", udp + "-" + udp,
                    "--max-ports-per-peer", "1");
            try (PeerCommand both = expose(rig, "a", "--name", "game", "--tcp", "--udp", "--tcp-port", "auto",
                    "--udp-port", "auto")) {
                assertEquals("exit 2", both.awaitMatch("(exit \\d)"), both.log());
                assertTrue(both.log().contains("cannot publish 'game': public ports (TCP and UDP) held at once: 1 (limit"
                        + " per peer; ask the operator to raise --max-ports-per-peer)"), both.log());
            }
        }
    }

    @Test
    void aTcpPortForAServiceThatCarriesUdpOnlyIsRefusedAtPublish() throws Exception {
        int tcp = PublicUdpPortTest.freeUdpPort();
        try (Rig rig = new Rig(dir)) {
            rig.startServerTyped("--allow-ports", tcp + "-" + tcp);
            // The command line refuses --tcp-port with --udp alone; a peer that asks anyway meets the rendezvous' check.
            var exposer = rig.expose(Identity.generate("a"), rig.joinCode(), new Exposer.Service("game", "127.0.0.1",
                    19132, List.of(Exposer.Publication.tcp(0, List.of()))), Carries.UDP);
            assertEquals("cannot publish 'game': 'game' carries UDP only, so it cannot be published over a public TCP"
                    + " port: its exposer must add --tcp", assertTimeoutPreemptively(Duration.ofSeconds(20),
                    () -> exposer.node().awaitFailure()));
        }
    }
}
