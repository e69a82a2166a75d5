package dev.pinhole.rendezvous.ingress.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the rendezvous refuses and what the service sees, through the handlers of the public HTTP port. */
class HeaderRulesTest {
    final FakeRoutes routes = new FakeRoutes();
    EmbeddedChannel visitor;

    @BeforeEach
    void start() {
        routes.table.put("mypc", new Route("mypc", true, "", List.of()));
        visitor = routes.visitor("203.0.113.7", Deadlines.DEFAULT);
    }

    @AfterEach
    void closeAll() {
        visitor.finishAndReleaseAll();
        routes.closeAll();
    }

    String forwarded(String request) {
        visitor.writeInbound(HttpProxyHandlerTest.ascii(request));
        assertEquals(1, routes.streams.size(), "forwarded");
        return HttpProxyHandlerTest.written(routes.streams.get(0));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "POST / HTTP/1.1\r\nHost: mypc.pinhole.test\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: mypc.pinhole.test\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
        "POST / HTTP/1.0\r\nHost: mypc.pinhole.test\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: mypc.pinhole.test\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
        "POST / HTTP/1.1\r\nHost: mypc.pinhole.test\r\nContent-Length: 3\r\nContent-Length: 30\r\n\r\nabc",
        "POST / HTTP/1.1\r\nHost: mypc.pinhole.test\r\nContent-Length: 3, 3\r\n\r\nabc",
        "POST / HTTP/1.1\r\nHost: mypc.pinhole.test\r\nContent-Length: +3\r\n\r\nabc",
        "POST / HTTP/1.1\r\nHost: mypc.pinhole.test\r\nContent-Length: 0x3\r\n\r\nabc",
        "POST / HTTP/1.1\r\nHost: mypc.pinhole.test\r\nTransfer-Encoding: gzip\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: mypc.pinhole.test\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: mypc.pinhole.test\r\nTransfer-Encoding: chunked, identity\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: mypc.pinhole.test\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST / HTTP/1.0\r\nHost: mypc.pinhole.test\r\nTransfer-Encoding: chunked\r\n\r\n",
        "GET / HTTP/1.1\nHost: mypc.pinhole.test\rX-Smuggled: 1\r\n\r\n",
    })
    void ambiguousFramingGets400AndTheConnectionCloses(String request) {
        visitor.writeInbound(HttpProxyHandlerTest.ascii(request));
        String page = HttpProxyHandlerTest.written(visitor);
        assertTrue(page.startsWith("HTTP/1.1 400 Bad Request\r\n"), page);
        assertTrue(page.contains("Connection: close\r\n") || page.contains("connection: close\r\n"), page);
        assertFalse(visitor.isOpen());
        assertEquals(0, routes.streams.size(), "nothing reached the service");
    }

    /**
     * RFC 9112 §5.2 lets a server either refuse obs-fold or replace it with spaces before forwarding; Netty
     * does the latter, so the service sees one line and cannot read it differently from the rendezvous.
     */
    @ParameterizedTest
    @ValueSource(strings = {" ", "\t"})
    void aFoldedHeaderReachesTheServiceAsOneLine(String fold) {
        String seen = forwarded("GET / HTTP/1.1\r\nHost: mypc.pinhole.test\r\nX-Long: a\r\n" + fold + "b\r\nX-Next: c\r\n\r\n");
        assertTrue(seen.contains("X-Long: a b\r\nX-Next: c\r\n"), seen);
    }

    @Test
    void hopByHopHeadersAndWhatConnectionNominatesStayAtTheRendezvous() {
        String seen = forwarded("GET / HTTP/1.1\r\nHost: mypc.pinhole.test\r\nConnection: keep-alive, X-Forwarded-For, X-Secret\r\n"
                + "Keep-Alive: timeout=5\r\nX-Secret: 1\r\nProxy-Authorization: Basic eDp5\r\nProxy-Connection: keep-alive\r\n"
                + "TE: trailers\r\nTrailer: X-Sum\r\nUpgrade: h2c\r\nAccept: */*\r\n\r\n").toLowerCase();
        for (String gone : List.of("connection:", "keep-alive:", "x-secret:", "proxy-authorization:", "proxy-connection:",
                "\nte:", "trailer:", "upgrade:")) {
            assertFalse(seen.contains(gone), gone + " in " + seen);
        }
        assertTrue(seen.contains("accept: */*\r\n"), seen);
        assertTrue(seen.contains("x-forwarded-for: 203.0.113.7\r\n"), "nominating ours does not remove it: " + seen);
    }

    @Test
    void theClientAddressHeadersAreTheRendezvousOwn() {
        String seen = forwarded("GET / HTTP/1.1\r\nHost: mypc.pinhole.test\r\nX-Forwarded-For: 10.0.0.1\r\nX-Real-IP: 10.0.0.2\r\n"
                + "Forwarded: for=10.0.0.3\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: bank.example\r\n"
                + "X-Forwarded-Port: 443\r\n\r\n");
        assertFalse(seen.contains("10.0.0."), seen);
        assertFalse(seen.contains("bank.example"), seen);
        assertFalse(seen.contains("443"), seen);
        assertTrue(seen.contains("X-Forwarded-For: 203.0.113.7\r\n"), seen);
        assertTrue(seen.contains("X-Real-IP: 203.0.113.7\r\n"), seen);
        assertTrue(seen.contains("X-Forwarded-Proto: http\r\n"), seen);
        assertTrue(seen.contains("X-Forwarded-Host: mypc.pinhole.test\r\n"), seen);
        assertTrue(seen.contains("Forwarded: for=203.0.113.7;host=\"mypc.pinhole.test\";proto=http\r\n"), seen);
    }

    @Test
    void anIpv6VisitorIsQuotedInForwarded() {
        visitor.finishAndReleaseAll();
        visitor = routes.visitor("2001:db8::7", Deadlines.DEFAULT);
        String seen = forwarded("GET / HTTP/1.1\r\nHost: mypc.pinhole.test\r\n\r\n");
        assertTrue(seen.contains("Forwarded: for=\"[2001:db8:0:0:0:0:0:7]\";"), seen);
    }

    @Test
    void aChunkedBodyIsForwardedChunkedAndHttp10KeepAliveIsKept() {
        String seen = forwarded("POST / HTTP/1.1\r\nHost: mypc.pinhole.test\r\nTransfer-Encoding: Chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
        assertTrue(seen.contains("transfer-encoding: chunked\r\n"), seen);
        assertTrue(seen.endsWith("\r\n\r\n3\r\nabc\r\n0\r\n\r\n"), seen);
        routes.streams.get(0).writeInbound(HttpProxyHandlerTest.ascii("HTTP/1.1 204 No Content\r\n\r\n"));
        HttpProxyHandlerTest.written(visitor);
        visitor.writeInbound(HttpProxyHandlerTest.ascii("GET / HTTP/1.0\r\nHost: mypc.pinhole.test\r\nConnection: keep-alive\r\n\r\n"));
        String again = HttpProxyHandlerTest.written(routes.streams.get(0));
        assertTrue(again.startsWith("GET / HTTP/1.0\r\n") && again.contains("Connection: keep-alive\r\n"), again);
    }
}
