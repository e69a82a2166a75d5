package dev.pinhole.lab;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.peer.node.Exposer;
import dev.pinhole.protocol.tls.Identity;
import dev.pinhole.rendezvous.ingress.http.Deadlines;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Strangers against the public HTTP and HTTPS ports ("Limits: public HTTP and HTTPS" in docs/security.md),
 * over real sockets on loopback, each bounded in bytes and time. The deadlines are shortened through the
 * rendezvous' configuration; the rendezvous' memory stays bounded and an honest visitor gets its page meanwhile.
 */
class HttpIngressAttackTest {
    static final Deadlines SHORT = new Deadlines(Duration.ofSeconds(5), Duration.ofSeconds(1), Duration.ofSeconds(1),
            1024, Duration.ofSeconds(2), Duration.ofSeconds(1));
    /** Time for the rendezvous' timers and our reads beyond a deadline, on a busy 2-core machine. */
    static final Duration MARGIN = Duration.ofSeconds(5);
    static final long DIRECT_BOUND = 16L * 1024 * 1024;
    static final long HEAP_BOUND = 64L * 1024 * 1024;

    @TempDir Path dir;

    static long usedDirect() {
        return ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric().usedDirectMemory();
    }

    static long usedHeap() {
        System.gc();
        return Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
    }

    /** A rendezvous with the short deadlines and the service "web"; returns where its HTTP port is. */
    static URI start(Rig rig, LocalWebServer web) throws Exception {
        return start(rig, web, SHORT);
    }

    static URI start(Rig rig, LocalWebServer web, Deadlines deadlines) throws Exception {
        rig.startServerWithStun(deadlines);
        var exposer = rig.expose(Identity.generate("web"), rig.joinCode(),
                new Exposer.Service("web", "127.0.0.1", web.port(), List.of(Exposer.Publication.http("", List.of()))));
        await().atMost(Duration.ofSeconds(10)).until(() -> exposer.out().last("published").isPresent());
        return URI.create(exposer.out().last("published").orElseThrow().path("url").asText());
    }

    /** From an address of its own (127.0.0.100): the attackers' address is at its per-source cap in some tests. */
    static void honestVisit(URI url) throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress("127.0.0.100", 0));
        socket.connect(new InetSocketAddress("127.0.0.1", url.getPort()), 5_000);
        try (RawHttp honest = new RawHttp(socket)) {
            RawHttp.Response page = honest.get(url.getAuthority(), "/hello");
            assertEquals(200, page.status());
            assertEquals(LocalWebServer.HELLO, page.body());
        }
    }

    static SocketChannel open(int port, Selector selector) throws IOException {
        SocketChannel channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
        channel.configureBlocking(false);
        channel.register(selector, SelectionKey.OP_READ);
        return channel;
    }

    /** Reads (and drops) what the rendezvous sends until it has closed every one of {@code channels}; how long that took. */
    static Duration awaitAllClosed(Selector selector, List<SocketChannel> channels, Duration atMost) throws IOException {
        long start = System.nanoTime();
        long deadline = start + atMost.toNanos();
        ByteBuffer sink = ByteBuffer.allocate(64 * 1024);
        int open = channels.size();
        while (open > 0 && System.nanoTime() < deadline) {
            selector.select(100);
            for (SelectionKey key : selector.selectedKeys()) {
                SocketChannel channel = (SocketChannel) key.channel();
                sink.clear();
                int n;
                try {
                    n = channel.read(sink);
                } catch (IOException reset) {
                    n = -1;
                }
                if (n < 0) {
                    key.cancel();
                    channel.close();
                    open--;
                }
            }
            selector.selectedKeys().clear();
        }
        assertEquals(0, open, open + " of " + channels.size() + " connections still open after " + atMost);
        return Duration.ofNanos(System.nanoTime() - start);
    }

    @Test
    void aVisitorThatPipelinesToAnUnknownNameAndNeverReadsIsNotBufferedFor() throws Exception {
        try (Rig rig = new Rig(dir); LocalWebServer web = new LocalWebServer()) {
            // The send deadline as in production: what bounds memory here must be that nothing is buffered for the
            // visitor (no reads while it does not read, at most 32 pages of ours per connection), not a quick close.
            URI url = start(rig, web, new Deadlines(SHORT.idle(), SHORT.head(), SHORT.bodyWindow(), SHORT.bodyMinBytes(),
                    Deadlines.SEND, SHORT.clientHello()));
            long directBefore = usedDirect();
            long heapBefore = usedHeap();
            byte[] request = "GET / HTTP/1.1\r\nHost: nobody.pinhole.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            ByteBuffer batch = ByteBuffer.allocate(request.length * 1000);
            while (batch.remaining() >= request.length) {
                batch.put(request);
            }
            long limit = 8L * 1024 * 1024; // ~190,000 requests: over 100 MiB of 404 pages if all were answered
            long sent = 0;
            long peakDirect = 0;
            int attackers = 20;
            int cut = 0;
            boolean honestServed = false;
            try (Selector selector = Selector.open()) {
                for (int i = 0; i < attackers; i++) {
                    SocketChannel attacker = SocketChannel.open();
                    attacker.setOption(StandardSocketOptions.SO_RCVBUF, 4096);
                    attacker.connect(new InetSocketAddress("127.0.0.1", url.getPort()));
                    attacker.configureBlocking(false);
                    attacker.register(selector, SelectionKey.OP_WRITE);
                }
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (sent < limit && cut < attackers && System.nanoTime() < deadline) {
                    selector.select(200);
                    for (SelectionKey key : selector.selectedKeys()) {
                        try {
                            sent += ((SocketChannel) key.channel()).write(batch.duplicate().flip());
                        } catch (IOException closedByTheRendezvous) {
                            key.cancel();
                            key.channel().close();
                            cut++;
                        }
                    }
                    selector.selectedKeys().clear();
                    peakDirect = Math.max(peakDirect, usedDirect() - directBefore);
                    if (!honestServed && sent > 1024 * 1024) {
                        honestVisit(url); // while the attackers are at it
                        honestServed = true;
                    }
                }
                if (!honestServed) {
                    honestVisit(url);
                }
                long heapGrowth = usedHeap() - heapBefore;
                System.out.printf("pipelining without reading: %d connections sent %d bytes of requests (%d cut by the"
                        + " rendezvous meanwhile), direct memory +%d, heap +%d%n", attackers, sent, cut, peakDirect, heapGrowth);
                assertTrue(peakDirect < DIRECT_BOUND, "direct memory grew by " + peakDirect + " bytes");
                assertTrue(heapGrowth < HEAP_BOUND, "heap grew by " + heapGrowth + " bytes");
                List<SocketChannel> left = new ArrayList<>();
                for (SelectionKey key : selector.keys()) {
                    if (!key.isValid()) {
                        continue; // cut above
                    }
                    key.interestOps(SelectionKey.OP_READ);
                    left.add((SocketChannel) key.channel());
                }
                awaitAllClosed(selector, left, MARGIN); // each got its 32 pages, or queued more than a browser would
            }
        }
    }

    @Test
    void twoHundredRequestsWhoseBodyNeverArrivesAreAllClosedByTheBodyDeadline() throws Exception {
        try (Rig rig = new Rig(dir); LocalWebServer web = new LocalWebServer(); Selector selector = Selector.open()) {
            URI url = start(rig, web);
            long directBefore = usedDirect();
            long heapBefore = usedHeap();
            List<SocketChannel> stalled = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String host = i % 2 == 0 ? "nobody.pinhole.test" : url.getAuthority(); // our 404, and a real service
                SocketChannel channel = open(url.getPort(), selector);
                channel.write(ByteBuffer.wrap(("POST /sha256 HTTP/1.1\r\nHost: " + host + "\r\nContent-Length: 10\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII)));
                stalled.add(channel);
            }
            long sent = System.nanoTime();
            honestVisit(url); // while the 200 are held open
            long direct = usedDirect() - directBefore;
            long heap = usedHeap() - heapBefore;
            awaitAllClosed(selector, stalled, SHORT.head().plus(SHORT.bodyWindow()).plus(MARGIN));
            System.out.printf("200 stalled bodies: all closed %d ms after the last was sent, direct memory +%d, heap +%d%n",
                    Duration.ofNanos(System.nanoTime() - sent).toMillis(), direct, heap);
            assertTrue(direct < DIRECT_BOUND, "direct memory grew by " + direct + " bytes");
            assertTrue(heap < HEAP_BOUND, "heap grew by " + heap + " bytes");
            honestVisit(url);
        }
    }

    @Test
    void aHeadTrickledInIsClosedByTheHeadDeadlineWhileBytesStillCome() throws Exception {
        try (Rig rig = new Rig(dir); LocalWebServer web = new LocalWebServer(); Selector selector = Selector.open()) {
            URI url = start(rig, web);
            byte[] head = ("GET / HTTP/1.1\r\nHost: nobody.pinhole.test\r\nX-Slow: " + "a".repeat(100))
                    .getBytes(StandardCharsets.US_ASCII);
            long directBefore = usedDirect();
            long heapBefore = usedHeap();
            List<SocketChannel> slow = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                slow.add(open(url.getPort(), selector));
            }
            long start = System.nanoTime();
            boolean cut = false;
            // One byte each 100 ms: 10 s for the head, ten times its deadline; stops at the first refused write.
            for (int i = 0; i < head.length && !cut; i++) {
                for (SocketChannel channel : slow) {
                    try {
                        channel.write(ByteBuffer.wrap(head, i, 1));
                    } catch (IOException closed) {
                        cut = true;
                    }
                }
                selector.select(100); // paces the trickle; anything read is dropped below
                selector.selectedKeys().clear();
                if (i == 5) {
                    honestVisit(url);
                    long direct = usedDirect() - directBefore;
                    long heap = usedHeap() - heapBefore;
                    assertTrue(direct < DIRECT_BOUND, "direct memory grew by " + direct + " bytes");
                    assertTrue(heap < HEAP_BOUND, "heap grew by " + heap + " bytes");
                }
            }
            Duration took = awaitAllClosed(selector, slow, SHORT.head().plus(MARGIN));
            long elapsed = Duration.ofNanos(System.nanoTime() - start).toMillis();
            System.out.printf("slow heads: all closed %d ms after their first byte%n", elapsed - took.toMillis());
            assertTrue(elapsed < SHORT.head().plus(MARGIN).toMillis() + took.toMillis(), elapsed + " ms");
        }
    }

    @Test
    void aSilentConnectionToTheHttpsPortIsClosedByTheClientHelloDeadline() throws Exception {
        try (Rig rig = new Rig(dir); LocalWebServer web = new LocalWebServer(); Selector selector = Selector.open()) {
            URI url = start(rig, web);
            long directBefore = usedDirect();
            long heapBefore = usedHeap();
            String pattern = rig.server.ingressUrls().stream().filter(u -> u.startsWith("https://")).findFirst().orElseThrow();
            int port = URI.create(pattern.split(" ")[0].replace("NAME", "x")).getPort();
            List<SocketChannel> silent = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                silent.add(open(port, selector));
            }
            silent.get(0).write(ByteBuffer.wrap(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00})); // a ClientHello that stops
            honestVisit(url); // while the 50 are held open
            long direct = usedDirect() - directBefore;
            long heap = usedHeap() - heapBefore;
            assertTrue(direct < DIRECT_BOUND, "direct memory grew by " + direct + " bytes");
            assertTrue(heap < HEAP_BOUND, "heap grew by " + heap + " bytes");
            Duration took = awaitAllClosed(selector, silent, SHORT.clientHello().plus(MARGIN));
            System.out.printf("silent TLS visitors: all closed after %d ms%n", took.toMillis());
        }
    }
}
