package dev.pinhole.peer.node;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.protocol.ControlMessage.Incoming;
import dev.pinhole.protocol.JoinCode;
import dev.pinhole.protocol.SessionSecret;
import dev.pinhole.protocol.tls.Identity;
import dev.pinhole.session.PacketPath;
import dev.pinhole.session.VirtualNet;
import io.netty.buffer.ByteBuf;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An exposer under a session flood: a session whose handshake never comes expires, and running out of virtual
 * addresses refuses that one session. No rendezvous here: its port accepts TCP and never answers TLS, so the
 * node is not told the control connection failed (for 10 s) and is fed {@code Incoming} as that connection would.
 */
class ExposerSessionLimitsTest {
    final StringWriter printed = new StringWriter();
    Exposer exposer;
    ServerSocket silent;

    @BeforeEach
    void start() throws Exception {
        silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        JoinCode nowhere = new JoinCode("127.0.0.1", silent.getLocalPort(), "pht_00000000_" + "x".repeat(43), Identity.generate("nobody").certificateFingerprint());
        Output out = new Output(new PrintWriter(printed, true), new PrintWriter(printed, true), false);
        exposer = new Exposer(Identity.generate("exposer"), nowhere, out, Exposer.Service.peersOnly("web", "127.0.0.1", 1));
        exposer.start();
    }

    @AfterEach
    void stop() throws Exception {
        exposer.close();
        silent.close();
    }

    void incoming(int id) {
        exposer.loop.submit(() -> exposer.message(new Incoming(id, "web", "sha256:connector", SessionSecret.random())))
                .syncUninterruptibly();
    }

    @Test
    void aSessionWhoseHandshakeNeverComesExpires() {
        exposer.handshakeMillis = 200;
        incoming(7);
        assertTrue(exposer.sessions.containsKey(7));
        await().atMost(Duration.ofSeconds(5)).until(() -> printed.toString().contains("closed: no QUIC handshake within 200 ms"));
        assertFalse(exposer.sessions.containsKey(7));
    }

    /** A path that is never used: the routes only have to exist. */
    static final PacketPath NOWHERE = new PacketPath() {
        @Override
        public void send(ByteBuf packets, int segmentSize) {
            packets.release();
        }

        @Override
        public void flush() {}

        @Override
        public String kind() {
            return "relay";
        }

        @Override
        public String remote() {
            return "nowhere";
        }
    };

    @Test
    void runningOutOfVirtualAddressesRefusesOneSessionAndNothingElse() {
        InetSocketAddress[] last = new InetSocketAddress[1];
        exposer.loop.submit(() -> {
            for (int i = 0; i < VirtualNet.ADDRESSES - 1; i++) {
                last[0] = exposer.mux.open(NOWHERE);
            }
        }).syncUninterruptibly();
        incoming(1);
        assertNotNull(exposer.sessions.get(1), printed::toString);
        incoming(2);
        assertNull(exposer.sessions.get(2));
        assertTrue(printed.toString().contains("refused session 2: no virtual address left: 65535 sessions open at once"),
                printed.toString());
        assertFalse(exposer.failed.isDone(), "the exposer goes on");
        exposer.loop.submit(() -> exposer.mux.close(last[0])).syncUninterruptibly();
        incoming(3);
        assertNotNull(exposer.sessions.get(3));
        assertEquals(2, exposer.sessions.size());
    }
}
