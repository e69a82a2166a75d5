package dev.pinhole.lab;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.peer.node.Exposer;
import dev.pinhole.protocol.tls.Identity;
import dev.pinhole.rendezvous.ingress.http.Deadlines;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Connections the rendezvous splices without reading (a WebSocket after its 101, HTTPS after the ClientHello
 * was routed) end after the idle limit, set as an operator sets it ({@code --tcp-idle-timeout 2}); a ClientHello
 * that stops half way is closed by its deadline (docs/security.md, "Limits: HTTP, HTTPS and dashboard listeners").
 * Real sockets on loopback.
 */
class SplicedIdleTest {
    static final Duration IDLE = Duration.ofSeconds(2);
    /** Time for the rendezvous' timers and our reads beyond a deadline, on a busy 2-core machine. */
    static final Duration MARGIN = Duration.ofSeconds(8);

    @TempDir Path dir;

    /** A real ClientHello from the JDK's TLS client, naming {@code serverName}. */
    static byte[] clientHello(String serverName) throws Exception {
        SSLEngine engine = SSLContext.getDefault().createSSLEngine(serverName, 443);
        engine.setUseClientMode(true);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName(serverName)));
        engine.setSSLParameters(parameters);
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(ByteBuffer.allocate(0), out);
        out.flip();
        byte[] hello = new byte[out.remaining()];
        out.get(hello);
        return hello;
    }

    static int httpsPort(Rig rig) {
        String pattern = rig.server.ingressUrls().stream().filter(u -> u.startsWith("https://")).findFirst().orElseThrow();
        return URI.create(pattern.split(" ")[0].replace("NAME", "x")).getPort();
    }

    static URI publish(Rig rig, String name, int port, Exposer.Publication publication) throws Exception {
        var exposer = rig.expose(Identity.generate(name), rig.joinCode(),
                new Exposer.Service(name, "127.0.0.1", port, List.of(publication)));
        await().atMost(Duration.ofSeconds(10)).until(() -> exposer.out().last("published").isPresent());
        return URI.create(exposer.out().last("published").orElseThrow().path("url").asText());
    }

    /** Reads (and drops) until the rendezvous closes {@code socket}; how long after the call that was. */
    static Duration awaitClosed(Socket socket, Duration atMost) throws IOException {
        long start = System.nanoTime();
        socket.setSoTimeout((int) atMost.toMillis());
        InputStream in = socket.getInputStream();
        byte[] sink = new byte[4096];
        try {
            while (in.read(sink) >= 0) {
                assertTrue(System.nanoTime() - start < atMost.toNanos(), "still open after " + atMost);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("still open after " + atMost, e);
        } catch (IOException reset) {
            // closed with a reset: closed all the same
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    @Test
    void aQuietWebSocketIsClosedAfterTheIdleLimit() throws Exception {
        try (Rig rig = new Rig(dir); WebSocketEcho echo = new WebSocketEcho()) {
            rig.startServerWithStun(Deadlines.DEFAULT, "--tcp-idle-timeout", String.valueOf(IDLE.toSeconds()));
            URI url = publish(rig, "chat", echo.port(), Exposer.Publication.http("", List.of()));
            try (Socket socket = new Socket("127.0.0.1", url.getPort()); RawHttp visitor = new RawHttp(socket)) {
                visitor.send("GET /ws HTTP/1.1\r\nHost: " + url.getAuthority() + "\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
                assertEquals(101, visitor.read().status());
                visitor.send(WebSocketEcho.maskedText("hi"));
                byte[] header = visitor.readExactly(2);
                assertEquals("echo: hi", new String(visitor.readExactly(header[1]), StandardCharsets.UTF_8));
                Duration took = awaitClosed(socket, IDLE.plus(MARGIN));
                System.out.printf("quiet WebSocket closed %d ms after its last message (idle limit %d ms)%n",
                        took.toMillis(), IDLE.toMillis());
            }
        }
    }

    @Test
    void aQuietHttpsPassthroughIsClosedAfterTheIdleLimit() throws Exception {
        try (Rig rig = new Rig(dir); SilentService service = new SilentService()) {
            rig.startServerWithStun(Deadlines.DEFAULT, "--tcp-idle-timeout", String.valueOf(IDLE.toSeconds()));
            publish(rig, "secure", service.port(), Exposer.Publication.https(List.of()));
            byte[] hello = clientHello("secure." + Rig.DOMAIN);
            try (Socket socket = new Socket("127.0.0.1", httpsPort(rig))) {
                socket.getOutputStream().write(hello);
                await().atMost(Duration.ofSeconds(10)).until(() -> service.received().length >= hello.length);
                assertArrayEquals(hello, service.received(), "the ClientHello reached the service untouched");
                Duration took = awaitClosed(socket, IDLE.plus(MARGIN));
                System.out.printf("quiet HTTPS passthrough closed %d ms after its ClientHello (idle limit %d ms)%n",
                        took.toMillis(), IDLE.toMillis());
            }
        }
    }

    @Test
    void aClientHelloThatStopsHalfWayIsClosedByItsDeadline() throws Exception {
        Deadlines shortHello = new Deadlines(Deadlines.IDLE, Deadlines.HEAD, Deadlines.BODY_WINDOW, Deadlines.BODY_MIN_BYTES,
                Deadlines.SEND, Duration.ofSeconds(1));
        try (Rig rig = new Rig(dir); SilentService service = new SilentService()) {
            rig.startServerWithStun(shortHello);
            publish(rig, "secure", service.port(), Exposer.Publication.https(List.of()));
            byte[] hello = clientHello("secure." + Rig.DOMAIN);
            try (Socket socket = new Socket("127.0.0.1", httpsPort(rig))) {
                socket.getOutputStream().write(Arrays.copyOf(hello, hello.length / 2));
                Duration took = awaitClosed(socket, shortHello.clientHello().plus(MARGIN));
                System.out.printf("half a ClientHello (%d of %d bytes): closed after %d ms (deadline %d ms)%n",
                        hello.length / 2, hello.length, took.toMillis(), shortHello.clientHello().toMillis());
                assertEquals(0, service.received().length, "nothing reached the service");
            }
        }
    }
}
