package dev.pinhole.rendezvous.ingress.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.protocol.Cidr;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The visitor's side on one EmbeddedChannel, each stream to the service on another: bytes in, bytes out. */
class HttpProxyHandlerTest {
    static final String DOMAIN = "pinhole.test";

    final FakeRoutes routes = new FakeRoutes();
    final Map<String, Route> table = routes.table;
    final List<EmbeddedChannel> streams = routes.streams;
    final List<Integer> counted = routes.counted;
    EmbeddedChannel visitor;

    void start(String address) {
        table.put("mypc", new Route("mypc", true, "", List.of()));
        visitor = routes.visitor(address, Deadlines.DEFAULT);
    }

    @AfterEach
    void closeAll() {
        if (visitor != null) {
            visitor.finishAndReleaseAll();
        }
        routes.closeAll();
    }

    static ByteBuf ascii(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1);
    }

    /** Everything written to {@code channel} so far. */
    static String written(EmbeddedChannel channel) {
        channel.runPendingTasks();
        StringBuilder out = new StringBuilder();
        for (Object msg; (msg = channel.readOutbound()) != null; ) {
            ByteBuf buf = (ByteBuf) msg;
            out.append(buf.toString(StandardCharsets.ISO_8859_1));
            buf.release();
        }
        return out.toString();
    }

    void visit(String request) {
        visitor.writeInbound(ascii(request));
    }

    void answer(EmbeddedChannel stream, String response) {
        stream.writeInbound(ascii(response));
    }

    @Test
    void forwardsByHostSetsForwardedHeadersAndKeepsTheStreamForTheNextRequest() {
        start("203.0.113.7");
        visit("GET /a HTTP/1.1\r\nHost: MyPC.pinhole.test:8080\r\nX-Forwarded-For: 10.0.0.1\r\n\r\n");
        assertEquals(1, streams.size());
        String forwarded = written(streams.get(0));
        assertTrue(forwarded.startsWith("GET /a HTTP/1.1\r\n"), forwarded);
        assertTrue(forwarded.contains("X-Forwarded-For: 203.0.113.7\r\n"), "ours, not the visitor's: " + forwarded);
        assertFalse(forwarded.contains("10.0.0.1"), forwarded);
        assertTrue(forwarded.contains("X-Forwarded-Proto: http\r\n"), forwarded);
        assertTrue(forwarded.contains("X-Forwarded-Host: MyPC.pinhole.test:8080\r\n"), forwarded);
        answer(streams.get(0), "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
        assertEquals("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", written(visitor));

        visit("GET /b HTTP/1.1\r\nHost: mypc.pinhole.test\r\n\r\n");
        assertEquals(1, streams.size(), "keep-alive: the same stream");
        assertTrue(written(streams.get(0)).startsWith("GET /b HTTP/1.1\r\n"));
        answer(streams.get(0), "HTTP/1.1 204 No Content\r\n\r\n");
        assertEquals("HTTP/1.1 204 No Content\r\n\r\n", written(visitor));
        assertTrue(visitor.isOpen());
        assertEquals(List.of(200, 204), counted);
    }

    @Test
    void aServiceThatChecksHostSeesItsOwnAndTheVisitorsGoesInXForwardedHost() {
        start("203.0.113.7");
        table.put("mypc", new Route("mypc", true, "", List.of(), "127.0.0.1:5173"));
        visit("GET / HTTP/1.1\r\nHost: mypc.pinhole.test\r\n\r\n");
        String forwarded = written(streams.get(0));
        assertTrue(forwarded.contains("host: 127.0.0.1:5173\r\n"), forwarded);
        assertTrue(forwarded.contains("X-Forwarded-Host: mypc.pinhole.test\r\n"), forwarded);
        assertFalse(forwarded.toLowerCase().contains("\nhost: mypc"), forwarded);
    }

    @Test
    void unknownNamesGetA404PageAndTheConnectionStaysUsable() {
        start("203.0.113.7");
        visit("GET / HTTP/1.1\r\nHost: nobody.pinhole.test\r\n\r\n");
        String page = written(visitor);
        assertTrue(page.startsWith("HTTP/1.1 404 Not Found\r\n"), page);
        assertTrue(page.contains("No service is published as &#39;nobody&#39;"), page);
        visit("HEAD / HTTP/1.1\r\nHost: pinhole.test\r\n\r\n");
        String head = written(visitor);
        assertTrue(head.startsWith("HTTP/1.1 404 Not Found\r\n") && head.endsWith("\r\n\r\n"), head);
        assertFalse(head.contains("<html"), "no body for HEAD");
        assertTrue(visitor.isOpen());
        assertEquals(0, streams.size());
        assertEquals(List.of(404, 404), counted);
    }

    @Test
    void anAddressOutsideTheAllowListGets403() {
        start("198.51.100.9");
        table.put("mypc", new Route("mypc", true, "", List.of(Cidr.parse("203.0.113.0/24"))));
        visit("GET / HTTP/1.1\r\nHost: mypc.pinhole.test\r\n\r\n");
        String page = written(visitor);
        assertTrue(page.startsWith("HTTP/1.1 403 Forbidden\r\n"), page);
        assertTrue(page.contains("does not accept visitors from 198.51.100.9"), page);
        assertEquals(0, streams.size());
    }

    @Test
    void basicAuthIsCheckedHereAndNotPassedOn() {
        start("203.0.113.7");
        table.put("mypc", new Route("mypc", true, "ann:s3cret", List.of()));
        visit("GET / HTTP/1.1\r\nHost: mypc.pinhole.test\r\n\r\n");
        String challenge = written(visitor);
        assertTrue(challenge.startsWith("HTTP/1.1 401 Unauthorized\r\n"), challenge);
        assertTrue(challenge.contains("www-authenticate: Basic realm=\"mypc\", charset=\"UTF-8\"\r\n"), challenge);
        String wrong = Base64.getEncoder().encodeToString("ann:guess".getBytes(StandardCharsets.UTF_8));
        visit("GET / HTTP/1.1\r\nHost: mypc.pinhole.test\r\nAuthorization: Basic " + wrong + "\r\n\r\n");
        assertTrue(written(visitor).startsWith("HTTP/1.1 401 "));
        assertEquals(0, streams.size());

        String right = Base64.getEncoder().encodeToString("ann:s3cret".getBytes(StandardCharsets.UTF_8));
        visit("GET / HTTP/1.1\r\nHost: mypc.pinhole.test\r\nAuthorization: Basic " + right + "\r\n\r\n");
        String forwarded = written(streams.get(0));
        assertTrue(forwarded.startsWith("GET / HTTP/1.1\r\n"), forwarded);
        assertFalse(forwarded.toLowerCase().contains("authorization"), forwarded);
        assertEquals(List.of(401, 401), counted);
    }

    @Test
    void wrongPasswordsRunOutAndThenEvenTheRightOneWaits() {
        start("203.0.113.7");
        table.put("mypc", new Route("mypc", true, "ann:s3cret", List.of()));
        String wrong = Base64.getEncoder().encodeToString("ann:guess".getBytes(StandardCharsets.UTF_8));
        String right = Base64.getEncoder().encodeToString("ann:s3cret".getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < 10; i++) {
            visit("GET / HTTP/1.1\r\nHost: mypc.pinhole.test\r\nAuthorization: Basic " + wrong + "\r\n\r\n");
            assertTrue(written(visitor).startsWith("HTTP/1.1 401 "));
        }
        visit("GET / HTTP/1.1\r\nHost: mypc.pinhole.test\r\nAuthorization: Basic " + right + "\r\n\r\n");
        String limited = written(visitor);
        assertTrue(limited.startsWith("HTTP/1.1 429 Too Many Requests\r\n"), limited);
        assertTrue(limited.contains("Too many wrong passwords for &#39;mypc&#39; from 203.0.113.7"), limited);
        assertEquals(0, streams.size());
        routes.nanos += 6_000_000_000L; // one guess earned back
        visit("GET / HTTP/1.1\r\nHost: mypc.pinhole.test\r\nAuthorization: Basic " + right + "\r\n\r\n");
        assertTrue(written(streams.get(0)).startsWith("GET / HTTP/1.1\r\n"));
        answer(streams.get(0), "HTTP/1.1 204 No Content\r\n\r\n");
        for (int i = 0; i < 20; i++) { // the right password, again and again, as browsers send it, costs nothing
            visit("GET / HTTP/1.1\r\nHost: mypc.pinhole.test\r\nAuthorization: Basic " + right + "\r\n\r\n");
            answer(streams.get(0), "HTTP/1.1 204 No Content\r\n\r\n");
        }
        assertTrue(written(visitor).endsWith("HTTP/1.1 204 No Content\r\n\r\n"));
        assertEquals(1, counted.stream().filter(s -> s == 429).count());
    }

    @Test
    void aVisitorThatDoesNotTakeOurPagesIsNotReadUntilItDoes() {
        start("203.0.113.7");
        ChannelOutboundBuffer out = visitor.unsafe().outboundBuffer();
        out.setUserDefinedWritability(1, false); // as when the socket's send buffer is full
        visit("GET / HTTP/1.1\r\nHost: nobody.pinhole.test\r\n\r\n".repeat(3));
        assertEquals("", written(visitor), "no page is made for a visitor that does not read");
        assertFalse(visitor.config().isAutoRead());
        out.setUserDefinedWritability(1, true);
        assertEquals(3, written(visitor).split("HTTP/1.1 404 Not Found", -1).length - 1);
        assertTrue(visitor.config().isAutoRead());
    }

    @Test
    void aVisitorThatQueuesMoreThanABrowserEverWouldIsClosed() {
        start("203.0.113.7");
        visitor.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        visit("GET / HTTP/1.1\r\nHost: nobody.pinhole.test\r\n\r\n".repeat(Backlog.MAX / 2));
        assertTrue(visitor.isOpen(), Backlog.MAX + " decoded objects may wait");
        visit("GET / HTTP/1.1\r\nHost: nobody.pinhole.test\r\n\r\n");
        assertFalse(visitor.isOpen());
    }

    @Test
    void afterThirtyTwoPagesOfOursTheConnectionCloses() {
        start("203.0.113.7");
        visit("GET / HTTP/1.1\r\nHost: nobody.pinhole.test\r\n\r\n".repeat(Exchange.MAX_OWN_PAGES - 1));
        assertTrue(visitor.isOpen());
        visit("GET / HTTP/1.1\r\nHost: nobody.pinhole.test\r\n\r\n");
        assertTrue(written(visitor).endsWith("</html>\n"));
        assertFalse(visitor.isOpen(), "the last page said Connection: close");
    }

    @Test
    void aGuesserLocksOutNeitherVisitorsWithoutAPasswordYetNorOtherServices() {
        start("203.0.113.7");
        table.put("mypc", new Route("mypc", true, "ann:s3cret", List.of()));
        table.put("other", new Route("other", true, "bob:pa55", List.of()));
        String wrong = Base64.getEncoder().encodeToString("ann:guess".getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < 11; i++) {
            visit("GET / HTTP/1.1\r\nHost: mypc.pinhole.test\r\nAuthorization: Basic " + wrong + "\r\n\r\n");
            written(visitor);
        }
        visit("GET / HTTP/1.1\r\nHost: mypc.pinhole.test\r\n\r\n");
        assertTrue(written(visitor).startsWith("HTTP/1.1 401 "), "a browser's first request is asked for the password");
        String right = Base64.getEncoder().encodeToString("bob:pa55".getBytes(StandardCharsets.UTF_8));
        visit("GET / HTTP/1.1\r\nHost: other.pinhole.test\r\nAuthorization: Basic " + right + "\r\n\r\n");
        assertTrue(written(streams.get(0)).startsWith("GET / HTTP/1.1\r\n"), "another service's budget is its own");
    }

    @Test
    void aPublishedServiceWhoseExposerIsAwayGets502() {
        start("203.0.113.7");
        table.put("mypc", new Route("mypc", false, "", List.of()));
        visit("GET / HTTP/1.1\r\nHost: mypc.pinhole.test\r\n\r\n");
        String page = written(visitor);
        assertTrue(page.startsWith("HTTP/1.1 502 Bad Gateway\r\n"), page);
        assertTrue(page.contains("its exposer is offline right now"), page);
    }

    @Test
    void anExposerThatCannotBeReachedGets502() {
        start("203.0.113.7");
        routes.exposerReachable = false;
        visit("POST /upload HTTP/1.1\r\nHost: mypc.pinhole.test\r\nContent-Length: 3\r\n\r\nabc");
        String page = written(visitor);
        assertTrue(page.startsWith("HTTP/1.1 502 Bad Gateway\r\n"), page);
        assertTrue(page.contains("cannot be reached"), page);
        assertTrue(visitor.isOpen(), "the body was read and dropped; the connection is still good");
        routes.exposerReachable = true;
        visit("GET / HTTP/1.1\r\nHost: mypc.pinhole.test\r\n\r\n");
        assertTrue(written(streams.get(0)).startsWith("GET / HTTP/1.1\r\n"));
    }

    @Test
    void aServiceThatClosesWithoutAnsweringGets502() {
        start("203.0.113.7");
        visit("GET / HTTP/1.1\r\nHost: mypc.pinhole.test\r\n\r\n");
        streams.get(0).pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        String page = written(visitor);
        assertTrue(page.startsWith("HTTP/1.1 502 Bad Gateway\r\n"), page);
        assertTrue(page.contains("closed the connection without answering"), page);
        assertEquals(List.of(502), counted);
        visit("GET / HTTP/1.1\r\nHost: mypc.pinhole.test\r\n\r\n");
        assertEquals(2, streams.size(), "the next request gets a new stream");
    }

    @Test
    void pipelinedRequestsWaitForTheResponseBeforeThem() {
        start("203.0.113.7");
        visit("GET /1 HTTP/1.1\r\nHost: mypc.pinhole.test\r\n\r\nGET /2 HTTP/1.1\r\nHost: mypc.pinhole.test\r\n\r\n");
        String first = written(streams.get(0));
        assertTrue(first.startsWith("GET /1 ") && !first.contains("GET /2"), first);
        answer(streams.get(0), "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1");
        assertTrue(written(streams.get(0)).startsWith("GET /2 "));
        answer(streams.get(0), "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n2");
        assertEquals("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n2", written(visitor));
    }

    @Test
    void requestBodiesAndChunkedResponsesPassThrough() {
        start("203.0.113.7");
        visit("POST /echo HTTP/1.1\r\nHost: mypc.pinhole.test\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
        String forwarded = written(streams.get(0));
        assertTrue(forwarded.endsWith("\r\n\r\n3\r\nabc\r\n0\r\n\r\n"), forwarded);
        answer(streams.get(0), "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n");
        assertEquals("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", written(visitor));
    }

    @Test
    void hopByHopHeadersOfTheServiceDoNotReachTheVisitor() {
        start("203.0.113.7");
        visit("GET / HTTP/1.1\r\nHost: mypc.pinhole.test\r\n\r\n");
        answer(streams.get(0), "HTTP/1.1 200 OK\r\nConnection: keep-alive, X-Internal\r\nKeep-Alive: timeout=5\r\n"
                + "X-Internal: 10.0.0.7\r\nProxy-Authenticate: Basic realm=\"lan\"\r\nUpgrade: h2c\r\nTrailer: X-Sum\r\n"
                + "Content-Length: 2\r\nX-Kept: yes\r\n\r\nok");
        assertEquals("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Kept: yes\r\n\r\nok", written(visitor));
        assertTrue(visitor.isOpen());
        // An HTTP/1.0 visitor kept open is told so by the rendezvous, whatever the service said.
        visit("GET / HTTP/1.0\r\nHost: mypc.pinhole.test\r\nConnection: keep-alive\r\n\r\n");
        answer(streams.get(0), "HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5, max=100\r\nContent-Length: 1\r\n\r\n!");
        assertEquals("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: keep-alive\r\n\r\n!", written(visitor));
        assertTrue(visitor.isOpen());
    }

    @Test
    void aResponseThatEndsWithTheConnectionClosesTheVisitorToo() {
        start("203.0.113.7");
        visit("GET / HTTP/1.1\r\nHost: mypc.pinhole.test\r\n\r\n");
        answer(streams.get(0), "HTTP/1.1 200 OK\r\n\r\nuntil the end");
        streams.get(0).pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        // The rendezvous says it closes (the service's framing told only the rendezvous).
        assertEquals("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end", written(visitor));
        assertFalse(visitor.isOpen(), "only the close tells the visitor the body ended");
    }

    @Test
    void aWebSocketUpgradeTurnsIntoABytePipe() {
        start("203.0.113.7");
        visit("GET /ws HTTP/1.1\r\nHost: mypc.pinhole.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
        EmbeddedChannel stream = streams.get(0);
        assertTrue(written(stream).contains("Upgrade: websocket\r\n"));
        // The 101 and the service's first frame in one read: the frame must come through untouched.
        answer(stream, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n\u0081\u0002hi");
        assertEquals("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n\u0081\u0002hi", written(visitor));
        visit("\u0081\u0082abcd\u0009\u000b"); // a masked frame: anything but HTTP
        assertEquals("\u0081\u0082abcd\u0009\u000b", written(stream));
        answer(stream, "\u0088\u0000");
        assertEquals("\u0088\u0000", written(visitor));
        assertEquals(List.of(101), counted);
    }

    @Test
    void unreadableRequestsGetAClearErrorAndTheConnectionCloses() {
        start("203.0.113.7");
        visit("GET / HTTP/1.1\r\nHost: mypc.pinhole.test\r\nX-Big: " + "x".repeat(70_000) + "\r\n\r\n");
        String page = written(visitor);
        assertTrue(page.startsWith("HTTP/1.1 431 Request Header Fields Too Large\r\n"), page);
        assertFalse(visitor.isOpen());
        assertEquals(0, streams.size());
    }

    @Test
    void aServiceThatDoesNotSpeakHttpGets502() {
        start("203.0.113.7");
        visit("GET / HTTP/1.1\r\nHost: mypc.pinhole.test\r\n\r\n");
        answer(streams.get(0), "SSH-2.0-OpenSSH_9.6\r\n\r\n");
        String page = written(visitor);
        assertTrue(page.startsWith("HTTP/1.1 502 Bad Gateway\r\n"), page);
        assertFalse(visitor.isOpen());
    }
}
