package dev.pinhole.rendezvous.ingress.http;

import dev.pinhole.rendezvous.stun.RateLimiter;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.netty.util.concurrent.Promise;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The rendezvous as the ingress handlers see it: a route table, streams that are EmbeddedChannels, a clock to turn. */
final class FakeRoutes implements Routes {
    final Map<String, Route> table = new HashMap<>();
    /** Every stream opened, in order. */
    final List<EmbeddedChannel> streams = new ArrayList<>();
    final List<Integer> counted = new ArrayList<>();
    boolean exposerReachable = true;
    /** Streams are not opened at once but by {@link #completeOpen}, as a real exposer's take a round trip. */
    boolean openLater;
    private final List<Promise<Channel>> opening = new ArrayList<>();
    long nanos;
    private final RateLimiter guesses = new RateLimiter(1 / 6.0, 10, () -> nanos);

    @Override
    public Route route(String name) {
        return table.get(name);
    }

    @Override
    public Future<? extends Channel> open(String name) {
        if (!exposerReachable) {
            return ImmediateEventExecutor.INSTANCE.newFailedFuture(new IllegalStateException("service '" + name + "' is offline"));
        }
        if (openLater) {
            Promise<Channel> stream = ImmediateEventExecutor.INSTANCE.newPromise();
            opening.add(stream);
            return stream;
        }
        EmbeddedChannel stream = new EmbeddedChannel();
        streams.add(stream);
        return ImmediateEventExecutor.INSTANCE.newSucceededFuture(stream);
    }

    /** The oldest stream asked for while {@link #openLater} is opened now. */
    EmbeddedChannel completeOpen() {
        EmbeddedChannel stream = new EmbeddedChannel();
        streams.add(stream);
        opening.remove(0).setSuccess(stream);
        return stream;
    }

    @Override
    public boolean guessedTooOften(InetAddress visitor, String name) {
        return !guesses.hasToken(visitor, name);
    }

    @Override
    public void wrongPassword(InetAddress visitor, String name) {
        guesses.tryAcquire(visitor, name);
    }

    /** The production idle limit of a WebSocket (the lab tests it shortened, over real sockets). */
    static final Duration SPLICED_IDLE = Duration.ofMinutes(10);

    /** A visitor's connection from {@code address}, with the handlers and deadlines of the public HTTP port. */
    EmbeddedChannel visitor(String address, Deadlines deadlines) {
        EmbeddedChannel visitor = new EmbeddedChannel();
        VisitorPipeline.install(visitor.pipeline(), this, HttpProxyHandlerTest.DOMAIN, new InetSocketAddress(address, 50123),
                deadlines, SPLICED_IDLE);
        return visitor;
    }

    @Override
    public void count(int status) {
        counted.add(status);
    }

    void closeAll() {
        streams.forEach(EmbeddedChannel::finishAndReleaseAll);
    }
}
