package dev.pinhole.rendezvous.ingress;

import dev.pinhole.protocol.Cidr;
import dev.pinhole.protocol.ControlMessage.Publish;
import dev.pinhole.rendezvous.ConnectionBudget;
import dev.pinhole.rendezvous.RendezvousConfig;
import dev.pinhole.rendezvous.ingress.http.Route;
import dev.pinhole.rendezvous.ingress.http.Routes;
import dev.pinhole.rendezvous.ingress.http.SniRouter;
import dev.pinhole.rendezvous.ingress.http.StatusLabel;
import dev.pinhole.rendezvous.ingress.http.VisitorPipeline;
import dev.pinhole.rendezvous.registry.Peer;
import dev.pinhole.rendezvous.registry.Registry;
import dev.pinhole.rendezvous.stun.RateLimiter;
import dev.pinhole.session.Visitors;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * HTTP ingress by Host header and HTTPS passthrough by server name, both under the operator's domain
 * ({@code --domain}): {@code mypc.DOMAIN} reaches the service {@code mypc} if its owner published it with
 * {@code --http} or {@code --https}. A publication outlives its exposer's connection (until the server
 * restarts), so a visitor of a service that is away gets "offline" (502) rather than "no such name" (404).
 * Visitors of both ports count against one {@link ConnectionBudget} of their own, apart from the control port's,
 * so a flood of visitors cannot keep peers from logging in (docs/security.md, "Limits: HTTP, HTTPS and
 * dashboard listeners").
 */
public final class WebIngress {
    /** @param owner the connection that published it, or null once that connection closed (nothing keeps it alive) */
    private record Published(Peer owner, String basicAuth, List<Cidr> allowFrom, String hostHeader) {}

    private final Registry registry;
    private final Ingress ingress;
    private final RendezvousConfig.Web config;
    private final ConnectionBudget budget;
    /** A WebSocket's or an HTTPS passthrough's idle limit: the public TCP ports' ({@code --tcp-idle-timeout}). */
    private final Duration splicedIdle;
    /**
     * Wrong passwords per visitor address (IPv6: /64) and service: 10 at once, then one every 6 s (10 a minute,
     * 14,400 a day), so a password of 8 random letters and digits would take 10^8 days from one source.
     */
    private final RateLimiter guesses = new RateLimiter(1 / 6.0, 10, System::nanoTime);
    private final Map<String, Published> http = new ConcurrentHashMap<>();
    private final Map<String, Published> https = new ConcurrentHashMap<>();
    private Channel httpListener;
    private Channel httpsListener;

    public WebIngress(Registry registry, Ingress ingress, RendezvousConfig.Web config, ConnectionBudget budget,
                      Duration splicedIdle) {
        this.registry = registry;
        this.ingress = ingress;
        this.config = config;
        this.budget = budget;
        this.splicedIdle = splicedIdle;
    }

    public WebIngress start(String bindAddress) throws InterruptedException {
        if (config.httpPort() != null) {
            Routes routes = routes(http);
            httpListener = Visitors.listener(ingress.loop(), visitor -> {
                if (budget.admit(visitor, "HTTP port")) {
                    VisitorPipeline.install(visitor.pipeline(), routes, config.domain(),
                            (InetSocketAddress) visitor.remoteAddress(), config.deadlines(), splicedIdle);
                }
            }).bind(bindAddress, config.httpPort()).sync().channel();
        }
        if (config.httpsPort() != null) {
            Routes routes = routes(https);
            httpsListener = Visitors.listener(ingress.loop(), visitor -> {
                if (budget.admit(visitor, "HTTPS port")) {
                    visitor.pipeline().addLast(new SniRouter(routes, config.domain(),
                            (InetSocketAddress) visitor.remoteAddress(), config.deadlines().clientHello().toMillis(),
                            splicedIdle));
                }
            }).bind(bindAddress, config.httpsPort()).sync().channel();
        }
        return this;
    }

    private Routes routes(Map<String, Published> table) {
        return new Routes() {
            @Override
            public Route route(String name) {
                Published published = table.get(name);
                if (published == null) {
                    return null;
                }
                Peer live = registry.exposerOf(name).orElse(null);
                boolean online = live != null && live == published.owner() && live.channel().isActive();
                if (!online && live != null) {
                    return null; // its exposer is back but did not publish it this way again
                }
                return new Route(name, online, published.basicAuth(), published.allowFrom(), published.hostHeader());
            }

            @Override
            public Future<? extends Channel> open(String name) {
                return ingress.stream(name);
            }

            @Override
            public boolean guessedTooOften(InetAddress visitor, String name) {
                return !guesses.hasToken(visitor, name);
            }

            @Override
            public void wrongPassword(InetAddress visitor, String name) {
                guesses.tryAcquire(visitor, name);
            }

            @Override
            public void count(int status) {
                registry.metrics.ingressRequests.computeIfAbsent(StatusLabel.of(status), s -> new LongAdder()).increment();
            }
        };
    }

    /** Publishes {@code name} for {@code owner}; returns its URL, or throws IllegalArgumentException saying why not. */
    String publish(Peer owner, String name, Publish publish) {
        boolean secure = publish.kind() == Publish.Kind.HTTPS;
        Integer port = secure ? config.httpsPort() : config.httpPort();
        if (port == null) {
            throw new IllegalArgumentException("this rendezvous has no " + (secure ? "HTTPS" : "HTTP") + " ingress (its"
                    + " operator turns it on with --domain" + (secure ? " and --https-port" : "") + ")");
        }
        (secure ? https : http).put(name, new Published(owner, publish.basicAuth(), publish.allowFrom(), publish.hostHeader()));
        return url(name, secure);
    }

    private String url(String name, boolean secure) {
        int port = ((InetSocketAddress) (secure ? httpsListener : httpListener).localAddress()).getPort();
        boolean standard = port == (secure ? 443 : 80);
        return (secure ? "https://" : "http://") + name + "." + config.domain() + (standard ? "" : ":" + port);
    }

    /** The owner's connection closed: its names stay published ("offline") without holding on to the connection. */
    void unpublish(Peer owner) {
        for (Map<String, Published> table : List.of(http, https)) {
            table.replaceAll((name, published) -> published.owner() == owner
                    ? new Published(null, published.basicAuth(), published.allowFrom(), published.hostHeader()) : published);
        }
    }

    /** The URLs services get, with NAME standing for the service. */
    public List<String> patterns() {
        List<String> urls = new ArrayList<>();
        if (httpListener != null) {
            urls.add(url("NAME", false));
        }
        if (httpsListener != null) {
            urls.add(url("NAME", true) + " (TLS passthrough)");
        }
        return urls;
    }

    /** Public URLs of {@code name} (HTTP first), empty if it has none. */
    List<String> urlsOf(String name) {
        List<String> urls = new ArrayList<>();
        if (http.containsKey(name)) {
            urls.add(url(name, false));
        }
        if (https.containsKey(name)) {
            urls.add(url(name, true));
        }
        return urls;
    }

    public void close() {
        if (httpListener != null) {
            httpListener.close();
        }
        if (httpsListener != null) {
            httpsListener.close();
        }
    }
}
