package dev.pinhole.rendezvous.ingress.http;

import static dev.pinhole.rendezvous.ingress.http.HttpProxyHandlerTest.ascii;
import static dev.pinhole.rendezvous.ingress.http.HttpProxyHandlerTest.written;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The phases of {@link HttpProxyHandler} that {@link HttpProxyHandlerTest} does not pass through: a body that
 * outlives its response, interim responses, a stream still opening, and the ways a connection ends.
 */
class HttpProxyPhasesTest {
    final FakeRoutes routes = new FakeRoutes();
    final List<EmbeddedChannel> streams = routes.streams;
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

    void later(Duration time) {
        visitor.advanceTimeBy(time.toNanos(), TimeUnit.NANOSECONDS);
        visitor.runScheduledPendingTasks();
    }

    void visit(String request) {
        visitor.writeInbound(ascii(request));
    }

    static void answer(EmbeddedChannel stream, String response) {
        stream.writeInbound(ascii(response));
    }

    @Test
    void aRequestSentWhileTheBodyBeforeItIsStillDroppedIsServedAfterIt() {
        visit("POST /upload HTTP/1.1\r\nHost: nobody.pinhole.test\r\nContent-Length: 6\r\n\r\nabc");
        String page = written(visitor);
        assertTrue(page.startsWith("HTTP/1.1 404 Not Found\r\n"), page);
        visit("defGET /next HTTP/1.1\r\nHost: mypc.pinhole.test\r\n\r\n");
        String forwarded = written(streams.get(0));
        assertTrue(forwarded.startsWith("GET /next HTTP/1.1\r\n"), forwarded);
        assertFalse(forwarded.contains("def"), "the rejected body is not passed on: " + forwarded);
        answer(streams.get(0), "HTTP/1.1 204 No Content\r\n\r\n");
        assertEquals("HTTP/1.1 204 No Content\r\n\r\n", written(visitor));
        assertEquals(List.of(404, 204), routes.counted);
    }

    @Test
    void aContinueFromTheServicePassesAndTheBodyAndTheFinalResponseFollow() {
        visit("POST /upload HTTP/1.1\r\nHost: mypc.pinhole.test\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
        EmbeddedChannel stream = streams.get(0);
        assertTrue(written(stream).contains("Expect: 100-continue\r\n"));
        answer(stream, "HTTP/1.1 100 Continue\r\n\r\n");
        assertEquals("HTTP/1.1 100 Continue\r\n\r\n", written(visitor));
        visit("abc");
        assertEquals("abc", written(stream));
        answer(stream, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
        assertEquals("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n", written(visitor));
        visit("GET / HTTP/1.1\r\nHost: mypc.pinhole.test\r\n\r\n");
        assertTrue(written(stream).startsWith("GET / HTTP/1.1\r\n"), "keep-alive: the same stream");
        assertEquals(List.of(201), routes.counted, "a 100 Continue is not an answer");
    }

    @Test
    void aServiceThatAnswersBeforeTheBodyEndsStillGetsTheRestOfIt() {
        visit("POST /upload HTTP/1.1\r\nHost: mypc.pinhole.test\r\nContent-Length: 6\r\n\r\nabc");
        EmbeddedChannel stream = streams.get(0);
        assertTrue(written(stream).endsWith("\r\n\r\nabc"));
        answer(stream, "HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\n\r\n");
        assertEquals("HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\n\r\n", written(visitor));
        visit("defGET /next HTTP/1.1\r\nHost: mypc.pinhole.test\r\n\r\n");
        String forwarded = written(stream);
        assertTrue(forwarded.startsWith("defGET /next HTTP/1.1\r\n"), "the body's end, then the next request: " + forwarded);
        answer(stream, "HTTP/1.1 204 No Content\r\n\r\n");
        assertEquals("HTTP/1.1 204 No Content\r\n\r\n", written(visitor));
        assertEquals(1, streams.size());
    }

    @Test
    void aServiceThatClosesWhileTheBodyComesGets502AndTheRestOfTheBodyIsDropped() {
        visit("POST /upload HTTP/1.1\r\nHost: mypc.pinhole.test\r\nContent-Length: 6\r\n\r\nabc");
        streams.get(0).pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        String page = written(visitor);
        assertTrue(page.startsWith("HTTP/1.1 502 Bad Gateway\r\n"), page);
        visit("defGET / HTTP/1.1\r\nHost: mypc.pinhole.test\r\n\r\n");
        assertEquals(2, streams.size(), "the next request gets a new stream");
        String forwarded = written(streams.get(1));
        assertTrue(forwarded.startsWith("GET / HTTP/1.1\r\n"), forwarded);
        assertTrue(visitor.isOpen());
    }

    @Test
    void aPageOfOursForARequestThatAsksToCloseEndsTheConnection() {
        visit("POST / HTTP/1.1\r\nHost: nobody.pinhole.test\r\nConnection: close\r\nContent-Length: 3\r\n\r\nabc");
        String page = written(visitor);
        assertTrue(page.startsWith("HTTP/1.1 404 Not Found\r\n"), page);
        assertTrue(page.contains("connection: close\r\n"), page);
        assertFalse(visitor.isOpen());
    }

    @Test
    void requestsSentWhileTheStreamOpensWaitAndFollowInOrder() {
        routes.openLater = true;
        visit("POST /1 HTTP/1.1\r\nHost: mypc.pinhole.test\r\nContent-Length: 3\r\n\r\nabc"
                + "GET /2 HTTP/1.1\r\nHost: mypc.pinhole.test\r\n\r\n");
        assertEquals(0, streams.size());
        assertEquals("", written(visitor));
        EmbeddedChannel stream = routes.completeOpen();
        String first = written(stream);
        assertTrue(first.startsWith("POST /1 HTTP/1.1\r\n") && first.endsWith("\r\n\r\nabc"), first);
        answer(stream, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1");
        assertTrue(written(stream).startsWith("GET /2 HTTP/1.1\r\n"));
        answer(stream, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n2");
        assertEquals("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n2",
                written(visitor));
    }

    @Test
    void aVisitorThatLeavesWhileTheStreamOpensLeavesNoStreamBehind() {
        routes.openLater = true;
        visit("GET / HTTP/1.1\r\nHost: mypc.pinhole.test\r\n\r\n");
        visitor.close();
        EmbeddedChannel stream = routes.completeOpen();
        assertFalse(stream.isOpen(), "the stream that came too late is closed");
        assertEquals(List.of(), routes.counted);
    }

    @Test
    void anIdleKeepAliveConnectionClosesButOneWaitingForItsResponseDoesNot() {
        visitor.freezeTime();
        visit("GET / HTTP/1.1\r\nHost: mypc.pinhole.test\r\n\r\n");
        later(Deadlines.IDLE.multipliedBy(3));
        assertTrue(visitor.isOpen(), "a slow service is not an idle visitor");
        answer(streams.get(0), "HTTP/1.1 204 No Content\r\n\r\n");
        assertEquals("HTTP/1.1 204 No Content\r\n\r\n", written(visitor));
        later(Deadlines.IDLE.minusSeconds(1));
        assertTrue(visitor.isOpen(), "idle, but not for long yet");
        later(Duration.ofSeconds(1));
        assertFalse(visitor.isOpen());
        assertFalse(streams.get(0).isOpen());
    }

    @Test
    void aVisitorThatShutsItsSideDownGetsItsResponseAndThenTheClose() {
        visit("GET / HTTP/1.1\r\nHost: mypc.pinhole.test\r\n\r\n");
        visitor.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        assertTrue(visitor.isOpen());
        answer(streams.get(0), "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        assertEquals("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok", written(visitor));
        assertFalse(visitor.isOpen());
    }

    @Test
    void aSecondResponseHeadInTheMiddleOfABodyIsABugThatFailsLoudly() {
        visit("GET / HTTP/1.1\r\nHost: mypc.pinhole.test\r\n\r\n");
        EmbeddedChannel stream = streams.get(0);
        answer(stream, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhe");
        Phase.IllegalPhaseChange bug = assertThrows(Phase.IllegalPhaseChange.class,
                () -> stream.writeInbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK)));
        assertTrue(bug.getMessage().startsWith("phase change: RESPONDING -> RESPONDING (expected: "), bug.getMessage());
        assertFalse(visitor.isOpen(), "the visitor must not take a short body for a whole one");
    }
}
