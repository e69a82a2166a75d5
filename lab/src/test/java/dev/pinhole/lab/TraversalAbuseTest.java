package dev.pinhole.lab;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.peer.control.ControlClient;
import dev.pinhole.protocol.ControlCodec;
import dev.pinhole.protocol.ControlMessage;
import dev.pinhole.protocol.ControlMessage.Candidates;
import dev.pinhole.protocol.ControlMessage.Open;
import dev.pinhole.protocol.ControlMessage.Opened;
import dev.pinhole.protocol.ControlMessage.Welcome;
import dev.pinhole.protocol.net.Transport;
import dev.pinhole.protocol.punch.Probe.Ping;
import dev.pinhole.protocol.punch.Probe.Role;
import dev.pinhole.protocol.punch.ProbeCodec;
import dev.pinhole.protocol.tls.Identity;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.util.internal.PlatformDependent;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A token holder turns against a third party what the exposer does for punching (docs/security.md, "Limits: hole
 * punching and STUN"): on loopback with real sockets, a connector that speaks the control protocol itself sends
 * Candidates naming a UDP socket this test owns on another loopback address, then pings the exposer with a
 * source it does not own (here: a socket the test binds on that other address, which is what spoofing buys).
 */
class TraversalAbuseTest {
    @TempDir Path dir;

    /** Receives and counts UDP on a loopback address no peer uses. */
    static final class Victim implements AutoCloseable {
        final DatagramSocket socket;
        final AtomicLong bytes = new AtomicLong();
        final AtomicLong datagrams = new AtomicLong();
        private final Thread reader;

        Victim(String ip) throws Exception {
            socket = new DatagramSocket(new InetSocketAddress(ip, 0));
            socket.setSoTimeout(200);
            reader = new Thread(() -> {
                byte[] buffer = new byte[2048];
                while (!socket.isClosed()) {
                    try {
                        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                        socket.receive(packet);
                        bytes.addAndGet(packet.getLength());
                        datagrams.incrementAndGet();
                    } catch (SocketTimeoutException e) {
                        // look again whether the socket is closed
                    } catch (Exception e) {
                        return;
                    }
                }
            }, "victim " + ip);
            reader.setDaemon(true);
            reader.start();
        }

        InetSocketAddress address() {
            return (InetSocketAddress) socket.getLocalSocketAddress();
        }

        @Override
        public void close() throws Exception {
            socket.close();
            reader.join(2_000);
        }
    }

    /** The malicious connector: logs in with a real identity and token, and records what it is told. */
    static final class Attacker implements ControlClient.Listener {
        final List<ControlMessage> received = new CopyOnWriteArrayList<>();
        volatile boolean ready;

        @Override public void ready(Welcome welcome) { ready = true; }
        @Override public void message(ControlMessage message) { received.add(message); }
        @Override public void down(String reason, long retryMillis) {}
        @Override public void fatal(String reason) {}

        <T> List<T> all(Class<T> type) {
            return received.stream().filter(type::isInstance).map(type::cast).toList();
        }
    }

    /** Heap in use after a collection (rendezvous and peers share this JVM: a bound on all of them). */
    static long usedHeap() {
        System.gc();
        return Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
    }

    static int bodySize(ControlMessage message) {
        ByteBuf buf = Unpooled.buffer();
        try {
            ControlCodec.encode(message, buf);
            return buf.readableBytes();
        } finally {
            buf.release();
        }
    }

    @Test
    @Timeout(60)
    void candidatesAtAThirdAddressAndForgedPingsGetNothingAboveWhatTheAttackerSent() throws Exception {
        EventLoopGroup group = Transport.newGroup(1, "attacker");
        try (Rig rig = new Rig(dir); LocalWebServer web = new LocalWebServer();
             Victim victim = new Victim("127.0.0.5"); Victim forged = new Victim("127.0.0.7")) {
            rig.startServerWithStun();
            rig.exposeReady(Identity.generate("a"), "web", web.port());
            long directBefore = PlatformDependent.usedDirectMemory();
            long heapBefore = usedHeap();
            Attacker attacker = new Attacker();
            ControlClient control = new ControlClient(rig.joinCode(), Identity.generate("m"), group.next(), attacker);
            control.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> attacker.ready);
            group.next().submit(() -> control.send(new Open(control.nextRequestId(), "web"))).sync();
            await().atMost(Duration.ofSeconds(10)).until(() -> !attacker.all(Opened.class).isEmpty());
            Opened opened = attacker.all(Opened.class).get(0);

            // Candidates naming the victim: as reflexive, as hosts on several ports, claiming a hard NAT (guessing).
            InetSocketAddress target = victim.address();
            List<InetSocketAddress> hosts = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                hosts.add(new InetSocketAddress(target.getAddress(), target.getPort() + i));
            }
            Candidates steer = new Candidates(opened.sessionId(), true, target, hosts);
            long attackerBytes = 0;
            for (int i = 0; i < 5; i++) {
                group.next().submit(() -> control.send(steer)).sync();
                attackerBytes += bodySize(steer); // the body only: framing and TLS would make the ratio smaller still
            }
            // The exposer answers with its own Candidates: it has taken ours and started its round.
            await().atMost(Duration.ofSeconds(10)).until(() -> !attacker.all(Candidates.class).isEmpty());
            Candidates exposer = attacker.all(Candidates.class).get(0);
            assertTrue(exposer.reflexive() != null, "the exposer's public address: " + exposer);
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4)).until(() -> victim.bytes.get() == 0);
            double candidatesRatio = (double) victim.bytes.get() / attackerBytes;

            // Pings valid for the session (the attacker holds its secret) with a source that is not the attacker's.
            ProbeCodec codec = new ProbeCodec(opened.secret());
            long pingBytes = 0;
            for (int i = 0; i < 20; i++) {
                ByteBuf ping = codec.encode(new Ping(opened.sessionId(), Role.CONNECTOR, 1_000 + i), ByteBufAllocator.DEFAULT,
                        i % 2 == 0 ? ProbeCodec.MAX_DATAGRAM : 0);
                byte[] bytes = ByteBufUtil.getBytes(ping);
                ping.release();
                forged.socket.send(new DatagramPacket(bytes, bytes.length, exposer.reflexive()));
                pingBytes += bytes.length;
                if (i == 0) { // the same ping again: a replay
                    forged.socket.send(new DatagramPacket(bytes, bytes.length, exposer.reflexive()));
                    pingBytes += bytes.length;
                }
            }
            // Ten full-size pings are answered (a pong each, as large); the ten 32-byte ones would get a larger pong: none.
            await().atMost(Duration.ofSeconds(5)).until(() -> forged.datagrams.get() >= 10);
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2)).until(() -> forged.datagrams.get() == 10);
            double reflection = (double) forged.bytes.get() / pingBytes;
            System.out.printf("traversal abuse: %d bytes of Candidates -> %d bytes at the third address (%.2fx); "
                    + "%d bytes of forged pings -> %d bytes reflected (%.2fx)%n", attackerBytes, victim.bytes.get(),
                    candidatesRatio, pingBytes, forged.bytes.get(), reflection);
            assertEquals(0, victim.bytes.get(), "nothing unsolicited at an address the rendezvous did not vouch for");
            assertEquals(10L * ProbeCodec.MAX_DATAGRAM, forged.bytes.get());
            assertTrue(reflection <= 1.0, "reflection " + reflection);

            // Meanwhile an honest connector still gets through, and memory stayed put.
            var honest = rig.connectReady(Identity.generate("b"), "web");
            DirectTunnelTest.download(Rig.port(honest), 1024 * 1024);
            long grown = PlatformDependent.usedDirectMemory() - directBefore;
            assertTrue(grown < 64L * 1024 * 1024, "direct memory grew by " + grown);
            long heapGrown = usedHeap() - heapBefore;
            assertTrue(heapGrown < 256L * 1024 * 1024, "heap grew by " + heapGrown);
            control.stop();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
