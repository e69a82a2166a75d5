package dev.pinhole.rendezvous.ingress.http;

import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;

/** What HTTP and HTTPS ingress ask of the rendezvous; the tests give a fake. */
public interface Routes {
    /** The route of a service name (a canonical DNS label), or null when no such name was published. */
    Route route(String name);

    /**
     * A new stream to the service {@code name}, on the caller's event loop, auto-read off, its stream
     * header already written; fails when the exposer cannot be reached.
     */
    Future<? extends Channel> open(String name);

    /**
     * Whether {@code visitor} has used up its budget of wrong passwords for {@code name}: a password it sends
     * then gets 429, the right one included, until the budget refills (or the answer would tell a guess).
     */
    boolean guessedTooOften(InetAddress visitor, String name);

    /** {@code visitor} sent a wrong password for {@code name}: one less guess. */
    void wrongPassword(InetAddress visitor, String name);

    /** One response went to a visitor with {@code status} (for {@code pinhole_ingress_requests_total}). */
    void count(int status);
}
