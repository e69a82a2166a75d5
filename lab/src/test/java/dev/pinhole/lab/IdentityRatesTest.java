package dev.pinhole.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.lab.RevocationTest.Run;
import dev.pinhole.protocol.Carries;
import dev.pinhole.protocol.ControlMessage;
import dev.pinhole.protocol.ControlMessage.Candidates;
import dev.pinhole.protocol.ControlMessage.Error;
import dev.pinhole.protocol.ControlMessage.Open;
import dev.pinhole.protocol.ControlMessage.Opened;
import dev.pinhole.protocol.ControlMessage.Ping;
import dev.pinhole.protocol.ControlMessage.Pong;
import dev.pinhole.protocol.ErrorCode;
import dev.pinhole.protocol.JoinCode;
import dev.pinhole.protocol.tls.Identity;
import dev.pinhole.rendezvous.RendezvousServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Open and Candidates rates belong to an identity and to a token, not to a connection: an attacker that
 * holds several control connections with one key, reconnects, or mints keys under one token gets no more than
 * one bucket's worth (docs/security.md, "Limits: rates per identity and per token"). Real TLS connections on
 * loopback; the rates are set so low that no token refills while the test runs.
 */
class IdentityRatesTest {
    /** Attackers' receive buffer: their replies are few and small. */
    static final int RECEIVE_BUFFER = 1 << 16;

    @TempDir Path dir;

    /** A second join code, with a token of its own, made by {@code rendezvous token create} as an operator would. */
    static JoinCode newToken(Rig rig, String label) {
        Run created = RevocationTest.rendezvous(rig, "token", "create", "--label", label);
        assertEquals(0, created.exit(), created.err());
        return JoinCode.parse(created.out().lines().toList().get(1));
    }

    /** Sends {@code count} Opens for {@code name}, then reads their replies: the Opened ones and the Errors. */
    static List<ControlMessage> open(RawControlClient client, String name, int count) throws IOException {
        for (int i = 1; i <= count; i++) {
            client.send(new Open(i, name));
        }
        List<ControlMessage> replies = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            replies.add(client.read());
        }
        return replies;
    }

    static long opened(List<ControlMessage> replies) {
        return replies.stream().filter(Opened.class::isInstance).count();
    }

    /** Every reply is a LIMIT error whose message contains {@code limit}. */
    static void allRefused(List<ControlMessage> replies, String limit) {
        for (ControlMessage reply : replies) {
            Error error = assertInstanceOf(Error.class, reply, reply.toString());
            assertEquals(ErrorCode.LIMIT, error.code(), error.message());
            assertTrue(error.message().contains(limit), error.message());
        }
    }

    @Test
    void anIdentityOpensFromOneBucketHoweverManyConnectionsItHoldsOrReopensAndATokenFromFourTimesOne() throws Exception {
        try (Rig rig = new Rig(dir); LocalWebServer web = new LocalWebServer()) {
            rig.startServerWithStun("--open-rate", "0.01", "--open-burst", "5");
            rig.exposeReady(Identity.generate("honest"), "web", web.port());
            JoinCode mallory = newToken(rig, "mallory");
            Identity attacker = Identity.generate("attacker");
            ServerMemory before = ServerMemory.now();
            try (RawControlClient first = new RawControlClient(mallory, attacker, RECEIVE_BUFFER);
                 RawControlClient second = new RawControlClient(mallory, attacker, RECEIVE_BUFFER)) {
                assertEquals(5, opened(open(first, "web", 5)));
                // A second connection with the same key draws on the same bucket.
                allRefused(open(second, "web", 5), "Open rate: 0.01 per second, 5 at once (limit per identity,"
                        + " --open-rate and --open-burst)");
            }
            // Closing both and logging in again does not refill it.
            try (RawControlClient again = new RawControlClient(mallory, attacker, RECEIVE_BUFFER)) {
                allRefused(open(again, "web", 3), "limit per identity");
            }
            // Fresh keys under the same token: the token's bucket holds 4 x 5, and 5 of it are spent.
            for (int key = 0; key < 3; key++) {
                try (RawControlClient fresh = new RawControlClient(mallory, Identity.generate("key" + key), RECEIVE_BUFFER)) {
                    assertEquals(5, opened(open(fresh, "web", 5)), "key " + key);
                }
            }
            try (RawControlClient fresh = new RawControlClient(mallory, Identity.generate("key3"), RECEIVE_BUFFER)) {
                allRefused(open(fresh, "web", 2), "Open rate: 0.04 per second, 20 at once (limit per token, 4 x --open-rate"
                        + " and --open-burst)");
            }
            // A peer of another token is not affected and is served.
            var honest = rig.connectReady(Identity.generate("visitor"), "web");
            DirectTunnelTest.download(Rig.port(honest), 1L << 20);
            ServerMemory after = ServerMemory.now();
            System.out.println("Open rate per identity: server " + after.since(before));
            assertTrue(after.direct() - before.direct() < 16L << 20, after.since(before));
            assertTrue(after.heap() - before.heap() < 64L << 20, after.since(before));
        }
    }

    /** Sends a Ping and reads up to its Pong, counting the Candidates read on the way. */
    static int candidatesUntilPong(RawControlClient client, long nonce) throws IOException {
        client.send(new Ping(nonce));
        int candidates = 0;
        for (ControlMessage message; !((message = client.read()) instanceof Pong pong && pong.nonce() == nonce); ) {
            candidates += message instanceof Candidates ? 1 : 0;
        }
        return candidates;
    }

    @Test
    void candidatesOfOneIdentityArePassedOnFromOneBucketAcrossItsConnections() throws Exception {
        try (Rig rig = new Rig(dir)) {
            RendezvousServer server = rig.startServerWithStun("--candidates-rate", "0.01", "--open-burst", "5");
            JoinCode mallory = newToken(rig, "mallory");
            Identity attacker = Identity.generate("attacker");
            try (RawControlClient exposer = new RawControlClient(rig.joinCode(), Identity.generate("exposer"), RECEIVE_BUFFER);
                 RawControlClient first = new RawControlClient(mallory, attacker, RECEIVE_BUFFER);
                 RawControlClient second = new RawControlClient(mallory, attacker, RECEIVE_BUFFER)) {
                exposer.send(new ControlMessage.Register(1, "raw", 80, List.of(), Carries.TCP));
                assertInstanceOf(ControlMessage.Registered.class, exposer.read());
                for (RawControlClient connection : List.of(first, second)) {
                    Opened opened = assertInstanceOf(Opened.class, open(connection, "raw", 1).get(0));
                    Candidates candidates = new Candidates(opened.sessionId(), false,
                            new InetSocketAddress("127.0.0.1", 40000), List.of());
                    for (int i = 0; i < 10; i++) {
                        connection.send(candidates);
                    }
                    assertEquals(0, candidatesUntilPong(connection, 7)); // all of them handled by now
                }
                // One burst for the identity (5), not one per connection (10).
                assertEquals(5, candidatesUntilPong(exposer, 9));
                assertEquals(15, server.registry().metrics.droppedSignals.sum());
            }
        }
    }
}
