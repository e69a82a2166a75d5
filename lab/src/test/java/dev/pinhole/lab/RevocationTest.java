package dev.pinhole.lab;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.peer.node.Connector;
import dev.pinhole.protocol.JoinCode;
import dev.pinhole.protocol.tls.Identity;
import dev.pinhole.rendezvous.cli.RendezvousCli;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code rendezvous token revoke} typed while transfers run, one relayed and one direct: both stop within 2 s on
 * both ends, the revoked token cannot log in again, and a peer with another token keeps working.
 */
class RevocationTest {
    /** What {@code token revoke} promises (docs/security.md, "Limits and data safety: tokens, names, state"). */
    static final long CUT_MILLIS = 2_000;
    /** Far more than the tunnel carries in the seconds the test watches it: the transfer is still running at the cut. */
    static final long BLOB = 64L << 30;
    /**
     * Growth of Netty's direct memory (rendezvous and peers share this JVM): the relay drops above its 4 MiB high-water
     * mark per connection and QUIC's windows are 16 MiB, so two transfers at full speed stay well below this.
     */
    static final long DIRECT_BOUND = 48L << 20;
    /** Heap after a collection: a handful of sessions and peers; a queue that grew with the transfers would show. */
    static final long HEAP_BOUND = 128L << 20;

    @TempDir Path dir;

    record Run(int exit, String out, String err) {}

    /** {@code bin/rendezvous ARGS} as a user types it, on the rig's data dir, while the server runs. */
    static Run rendezvous(Rig rig, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new RendezvousCli());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        String[] all = new String[args.length + 2];
        all[0] = "--data-dir";
        all[1] = rig.dataDir.toString();
        System.arraycopy(args, 0, all, 2, args.length);
        return new Run(cli.execute(all), out.toString(), err.toString());
    }

    /** A download through a connector: reads as fast as it can until the stream ends; completes with when it ended. */
    static final class Transfer {
        final Socket socket = new Socket();
        final InputStream in;
        final CompletableFuture<Long> endedAtNanos = new CompletableFuture<>();
        volatile long received;

        Transfer(int port) throws IOException {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(15_000); // bounded: a tunnel that is never cut fails the test, it does not hang it
            socket.getOutputStream().write(("GET /blob/" + BLOB + " HTTP/1.1\r\nHost: web\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            in = socket.getInputStream();
            Thread reader = new Thread(this::drain, "transfer-" + port);
            reader.setDaemon(true);
            reader.start();
        }

        private void drain() {
            byte[] buffer = new byte[1 << 16];
            try (socket) {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    received += n;
                }
            } catch (IOException e) {
                // A reset is an end too.
            }
            endedAtNanos.complete(System.nanoTime());
        }
    }

    @Test
    void revokingATokenMidTransferCutsItsRelayedAndDirectSessionsOnBothEndsWithinTwoSeconds() throws Exception {
        try (Rig rig = new Rig(dir); LocalWebServer web = new LocalWebServer()) {
            rig.startServerWithStun();
            var exposer = rig.exposeReady(Identity.generate("a"), "web", web.port());
            ServerMemory before = ServerMemory.now();
            Run created = rendezvous(rig, "token", "create", "--label", "bob");
            assertEquals(0, created.exit(), created.err());
            String bobToken = created.out().split(" ")[1];
            JoinCode bob = JoinCode.parse(created.out().lines().toList().get(1));

            // A peer with the exposer's own token, whose session must live through the other token's revocation. It
            // connects first, which puts the relayed connector's control connection on another event loop of the
            // rendezvous than the exposer's: the exposer's packets then race the revocation's Close across loops, and
            // must still hear that Close first, not "no such session" (docs/security.md, "Peer side: reconnects,
            // path tests and the attack-test audit").
            var honest = rig.connectReady(Identity.generate("e"), "web");
            assertEquals(LocalWebServer.HELLO, hello(honest));
            var direct = rig.connect(Identity.generate("b"), bob, "web", null);
            var relayed = rig.connect(Identity.generate("c"), bob, "web", null, false);
            // Generous: punching on a loaded 2-core machine can take seconds (DirectTunnelTest times it unloaded).
            try {
                await().atMost(Duration.ofSeconds(20)).until(() -> direct.out().direct() && relayed.out().last("ready").isPresent());
            } catch (ConditionTimeoutException e) {
                throw new AssertionError("no direct path or no relayed session:\n" + direct.out() + "\n" + relayed.out(), e);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> exposer.out().count("session") == 3);
            List<Transfer> transfers = List.of(new Transfer(Rig.port(direct)), new Transfer(Rig.port(relayed)));
            long flowing = 1L << 20;
            await().atMost(Duration.ofSeconds(30)).failFast(() -> transfers.stream().anyMatch(t -> t.endedAtNanos.isDone()))
                    .until(() -> transfers.stream().allMatch(t -> t.received > flowing));
            assertEquals("relay", relayed.out().last("path").orElseThrow().path("path").asText());
            assertTrue(direct.out().direct(), "still direct when revoked");
            ServerMemory during = ServerMemory.now();
            System.out.println("two transfers, one relayed: server " + during.since(before));
            assertTrue(during.direct() - before.direct() < DIRECT_BOUND, during.since(before));
            assertTrue(during.heap() - before.heap() < HEAP_BOUND, during.since(before));

            Run revoked = rendezvous(rig, "token", "revoke", bobToken);
            long revokedAt = System.nanoTime();
            assertEquals(0, revoked.exit(), revoked.err());

            for (Transfer transfer : transfers) {
                long ended = transfer.endedAtNanos.get(15, TimeUnit.SECONDS);
                long millis = TimeUnit.NANOSECONDS.toMillis(ended - revokedAt);
                assertTrue(millis <= CUT_MILLIS, "the transfer went on for " + millis + " ms after the revocation");
                assertTrue(transfer.received < BLOB);
            }
            // The exposer's end: both sessions closed, told why.
            await().atMost(Duration.ofMillis(CUT_MILLIS)).until(() -> exposer.out().count("session-closed") == 2);
            assertTrue(exposer.out().lines().stream().filter(l -> l.contains("\"event\":\"session-closed\""))
                    .allMatch(l -> l.contains("the other peer's token was revoked")), exposer.out().toString());
            // The revoked peers' end: they give up, naming the reason.
            for (var connector : List.of(direct, relayed)) {
                String reason = CompletableFuture.supplyAsync(() -> failure(connector.node())).get(CUT_MILLIS, TimeUnit.MILLISECONDS);
                assertEquals("token " + bobToken + " was revoked by the operator of the rendezvous; ask for a new join code", reason);
            }

            // A new login with the revoked token is refused, clearly.
            var again = rig.connect(Identity.generate("d"), bob, "web", null);
            String refused = CompletableFuture.supplyAsync(() -> failure(again.node())).get(10, TimeUnit.SECONDS);
            assertEquals("the rendezvous refused token " + bobToken + ": it was revoked by the operator; ask for a new join code",
                    refused);

            // The exposer's own token still works: the session opened before the revocation still serves (the exposer
            // closed only the revoked token's two and opened none since), and a new peer holding that token is served.
            assertEquals(LocalWebServer.HELLO, hello(honest));
            assertEquals(2, exposer.out().count("session-closed"), exposer.out().toString());
            assertEquals(3, exposer.out().count("session"), exposer.out().toString());
            assertEquals(LocalWebServer.HELLO, hello(rig.connectReady(Identity.generate("f"), "web")));
            ServerMemory after = ServerMemory.now();
            assertTrue(after.direct() - before.direct() < DIRECT_BOUND, after.since(before));
            assertTrue(after.heap() - before.heap() < HEAP_BOUND, after.since(before));
        }
    }

    static String hello(Rig.Running<Connector> connector) throws Exception {
        return DirectTunnelTest.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + Rig.port(connector) + "/hello"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    static String failure(Connector connector) {
        try {
            return connector.awaitFailure();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
