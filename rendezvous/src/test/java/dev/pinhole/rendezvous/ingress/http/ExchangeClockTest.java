package dev.pinhole.rendezvous.ingress.http;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The deadline of each phase of a visit, on the real handlers with the event loop's clock turned by hand. */
class ExchangeClockTest {
    static final Deadlines SHORT = new Deadlines(Duration.ofSeconds(60), Duration.ofSeconds(20), Duration.ofSeconds(20),
            1000, Duration.ofSeconds(60), Duration.ofSeconds(10));

    final FakeRoutes routes = new FakeRoutes();
    EmbeddedChannel visitor;

    @BeforeEach
    void start() {
        routes.table.put("mypc", new Route("mypc", true, "", List.of()));
        visitor = routes.visitor("203.0.113.7", SHORT);
        visitor.freezeTime();
    }

    @AfterEach
    void closeAll() {
        visitor.finishAndReleaseAll();
        routes.closeAll();
    }

    void later(long seconds) {
        visitor.advanceTimeBy(seconds, TimeUnit.SECONDS);
        visitor.runScheduledPendingTasks();
    }

    void visit(String bytes) {
        visitor.writeInbound(HttpProxyHandlerTest.ascii(bytes));
    }

    @Test
    void aHeadTrickledInByteByByteIsCutAtTheHeadDeadline() {
        later(59);
        assertTrue(visitor.isOpen(), "a new connection may wait for its first byte as long as an idle one");
        String head = "GET / HTTP/1.1\r\nHost: mypc.pinhole.test\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        for (int i = 0; i < 19; i++) {
            visit(head.substring(i, i + 1));
            later(1);
        }
        assertTrue(visitor.isOpen(), "19 s into the head");
        visit("a");
        later(1);
        assertFalse(visitor.isOpen(), "bytes kept coming, but the head did not end within 20 s");
    }

    @Test
    void aBodyThatNeverArrivesIsCutAfterOneWindowAlsoWhenOurPageAnsweredIt() {
        visit("POST / HTTP/1.1\r\nHost: nobody.pinhole.test\r\nContent-Length: 10\r\n\r\n");
        assertTrue(HttpProxyHandlerTest.written(visitor).startsWith("HTTP/1.1 404 "));
        later(19);
        assertTrue(visitor.isOpen());
        later(1);
        assertFalse(visitor.isOpen(), "the promised body never came");
    }

    @Test
    void aBodyAtTheMinimumRateGoesOnAndOneBelowItIsCut() {
        visit("POST / HTTP/1.1\r\nHost: mypc.pinhole.test\r\nContent-Length: 100000\r\n\r\n");
        for (int window = 0; window < 5; window++) {
            visit("x".repeat(1000));
            later(20);
            assertTrue(visitor.isOpen(), "window " + window + " brought the minimum");
        }
        visit("x".repeat(999));
        later(20);
        assertFalse(visitor.isOpen(), "999 bytes in 20 s is below the minimum rate");
    }

    @Test
    void aBodyIsNotJudgedWhileTheRendezvousItselfWaits() {
        routes.openLater = true;
        visit("POST / HTTP/1.1\r\nHost: mypc.pinhole.test\r\nContent-Length: 3\r\n\r\n");
        later(60);
        assertTrue(visitor.isOpen(), "reading paused while the stream opens: not the visitor's fault");
    }

    @Test
    void aVisitorWaitingForAslowServiceIsNotOnTheClockButAnIdleOneIs() {
        visit("GET / HTTP/1.1\r\nHost: mypc.pinhole.test\r\n\r\n");
        later(600);
        assertTrue(visitor.isOpen());
        routes.streams.get(0).writeInbound(HttpProxyHandlerTest.ascii("HTTP/1.1 204 No Content\r\n\r\n"));
        HttpProxyHandlerTest.written(visitor);
        later(59);
        assertTrue(visitor.isOpen());
        later(1);
        assertFalse(visitor.isOpen(), "idle keep-alive");
    }
}
