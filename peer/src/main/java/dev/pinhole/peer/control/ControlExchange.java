package dev.pinhole.peer.control;

import dev.pinhole.protocol.ControlMessage;
import dev.pinhole.protocol.ControlMessage.Error;
import dev.pinhole.protocol.ControlMessage.Welcome;
import dev.pinhole.protocol.JoinCode;
import dev.pinhole.protocol.net.Transport;
import dev.pinhole.protocol.tls.Identity;
import io.netty.channel.EventLoopGroup;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiPredicate;
import java.util.function.IntFunction;
import javax.net.ssl.SSLException;

/**
 * One short conversation with the rendezvous, for the commands that ask and exit ({@code peer login}, {@code peer
 * names}, {@code peer release}): log in, send at most one request, read its answer, close. Unlike a running node it
 * never retries: the first failure is the answer, so that a wrong join code is found out at once
 * (docs/cli.md, "peer login").
 */
public final class ControlExchange {
    /**
     * The longest a conversation may take: above the 10 s TLS handshake timeout of {@link ControlClient} and the
     * rendezvous' 10 s login timeout, so that a server that stalls is reported by what stalled.
     */
    public static final Duration TIMEOUT = Duration.ofSeconds(15);

    /** How it ended. */
    public enum Status {
        /** Logged in; {@link Outcome#reply} is the answer to the request (an {@code Error} included), if one was sent. */
        OK,
        /** No conversation: TCP or TLS failed, or the server closed; retrying later may work. */
        UNREACHABLE,
        /** The rendezvous is not the one the join code pins, or it refused the token or the version: retrying cannot help. */
        REFUSED,
        /** No answer within {@link #TIMEOUT}. */
        TIMEOUT
    }

    /** @param welcome null unless logged in; @param reply null without a request; @param failure why, unless OK */
    public record Outcome(Status status, Welcome welcome, ControlMessage reply, String failure) {}

    private ControlExchange() {}

    /**
     * @param request the request for a request id, or null to only log in
     * @param isReply whether a message (never an {@code Error}: those match by id) answers the request with that id
     */
    public static Outcome run(JoinCode server, Identity identity, IntFunction<ControlMessage> request,
                              BiPredicate<Integer, ControlMessage> isReply) throws SSLException, InterruptedException {
        EventLoopGroup group = Transport.newGroup(1, "peer-exchange");
        CompletableFuture<Outcome> done = new CompletableFuture<>();
        ControlClient[] client = new ControlClient[1];
        client[0] = new ControlClient(server, identity, group.next(), new ControlClient.Listener() {
            private Welcome welcome;
            private int requestId;

            @Override
            public void ready(Welcome hello) {
                welcome = hello;
                if (request == null) {
                    done.complete(new Outcome(Status.OK, hello, null, null));
                } else {
                    requestId = client[0].nextRequestId();
                    client[0].send(request.apply(requestId));
                }
            }

            @Override
            public void message(ControlMessage message) {
                boolean answer = message instanceof Error error ? error.requestId() == requestId
                        : requestId != 0 && isReply.test(requestId, message);
                if (answer) {
                    done.complete(new Outcome(Status.OK, welcome, message, null));
                } else {
                    ReferenceCountUtil.release(message);
                }
            }

            @Override
            public void down(String reason, long retryMillis) {
                done.complete(new Outcome(Status.UNREACHABLE, welcome, null, reason));
            }

            @Override
            public void fatal(String reason) {
                done.complete(new Outcome(Status.REFUSED, welcome, null, reason));
            }
        });
        client[0].start();
        try {
            return done.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return new Outcome(Status.TIMEOUT, null, null, "no answer from the rendezvous at " + server.address()
                    + " within " + TIMEOUT.toSeconds() + " s");
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } finally {
            client[0].stop();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }
}
