package dev.pinhole.rendezvous.ingress;

import dev.pinhole.protocol.Cidr;
import dev.pinhole.rendezvous.ConnectionBudget;
import dev.pinhole.rendezvous.Limits;
import dev.pinhole.rendezvous.registry.Peer;
import dev.pinhole.session.Visitors;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Public TCP ports (docs/ingress-and-dashboard.md, "Public TCP ports"): a service published on port N gets a
 * listener on the rendezvous' bind address; each visitor connection is carried to the exposer by
 * {@link Ingress}. Ports come from the operator's range ({@code --allow-ports}); one port, one service;
 * closed when the exposer leaves, and kept for its identity for {@link PortReservations#KEPT_NANOS} so no one else takes it
 * while the owner reconnects. Visitors count against the {@link ConnectionBudget} and are closed when idle.
 */
public final class TcpIngress {
    /** The operator's allowed public ports, inclusive. */
    public record PortRange(int first, int last) {
        public static PortRange parse(String text) {
            return parse("--allow-ports", text);
        }

        /** The range {@code text} of the flag {@code flag} (named in the error) gives. */
        public static PortRange parse(String flag, String text) {
            String[] parts = text.split("-", 2);
            try {
                int first = Integer.parseInt(parts[0].trim());
                int last = parts.length == 2 ? Integer.parseInt(parts[1].trim()) : first;
                if (first < 1 || last > 65535 || first > last) {
                    throw new NumberFormatException();
                }
                return new PortRange(first, last);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(flag + " " + text + " (expected: FIRST-LAST within 1..65535)");
            }
        }

        boolean contains(int port) {
            return port >= first && port <= last;
        }

        @Override
        public String toString() {
            return first + "-" + last;
        }
    }

    /** @param allow who may connect (empty: anyone); replaced when the owner publishes again */
    private record Listener(Peer owner, String name, Channel channel, List<Cidr> allow) {}

    private final Ingress ingress;
    private final String bindAddress;
    private final String publicHost;
    private final PortRange allowed;
    private final Map<Integer, Listener> byPort = new ConcurrentHashMap<>();

    private final PortReservations reserved;
    private final Limits limits;
    private final ConnectionBudget budget;
    private final PortQuota quota;

    public TcpIngress(Ingress ingress, String bindAddress, String publicHost, PortRange allowed, Limits limits,
                      ConnectionBudget budget, LongSupplier nanoTime) {
        this.ingress = ingress;
        this.bindAddress = bindAddress;
        this.publicHost = publicHost;
        this.allowed = allowed;
        this.limits = limits;
        this.budget = budget;
        this.reserved = new PortReservations("TCP", nanoTime);
        this.quota = new PortQuota(limits);
        quota.count(() -> byPort.values().stream().map(Listener::owner).toList());
    }

    /**
     * Public UDP ports beside these TCP ports: the same ingress, bind address and public host, and the same port
     * quota; null when there is no ingress to carry them (tests of the control plane alone).
     *
     * @param allowed the operator's UDP range ({@code --allow-udp-ports}), or null: none
     */
    UdpIngress udpPorts(PortRange allowed, LongSupplier nanoTime) {
        return ingress == null ? null : new UdpIngress(ingress, bindAddress, publicHost, allowed, quota, nanoTime);
    }

    /**
     * Publishes {@code name} of {@code owner} on {@code port} (0: the first free one), for visitors from
     * {@code allow} (empty: anyone); completes with the URL.
     */
    CompletableFuture<String> publish(Peer owner, String name, int port, List<Cidr> allow) {
        CompletableFuture<String> url = new CompletableFuture<>();
        if (allowed == null) {
            url.completeExceptionally(new IllegalArgumentException("this rendezvous allows no public TCP ports"
                    + " (its operator can allow some with --allow-ports 20000-20100)"));
            return url;
        }
        for (Listener listener : byPort.values()) {
            if (listener.owner() == owner && listener.name().equals(name)
                    && (port == 0 || port == ((InetSocketAddress) listener.channel().localAddress()).getPort())) {
                int bound = ((InetSocketAddress) listener.channel().localAddress()).getPort();
                byPort.put(bound, new Listener(owner, name, listener.channel(), allow));
                url.complete(url(bound)); // a re-register
                return url;
            }
        }
        if (port != 0 && !allowed.contains(port)) {
            url.completeExceptionally(new IllegalArgumentException("public TCP port " + port + " is outside the range this"
                    + " rendezvous allows (" + allowed + ")"));
            return url;
        }
        String quota = this.quota.claim(owner);
        if (quota != null) {
            url.completeExceptionally(new Publisher.QuotaException(quota));
            return url;
        }
        url.whenComplete((done, failure) -> this.quota.release(owner)); // held by then, or given up
        List<Integer> candidates = new ArrayList<>();
        if (port != 0) {
            String kept = reserved.refusal(owner, port);
            if (kept != null) {
                url.completeExceptionally(new IllegalArgumentException(kept));
                return url;
            }
            candidates.add(port);
        } else {
            // The owner\'s own kept port first: a reconnect gets its old port back.
            candidates.addAll(reserved.candidates(owner, allowed, byPort::containsKey));
        }
        bind(owner, name, candidates, 0, url, port != 0, allow);
        return url;
    }

    private void bind(Peer owner, String name, List<Integer> candidates, int index,
                      CompletableFuture<String> url, boolean specific, List<Cidr> allow) {
        if (index >= candidates.size()) {
            url.completeExceptionally(new IllegalArgumentException(specific
                    ? "public TCP port " + candidates.get(0) + " is taken" : "no free public TCP port in " + allowed));
            return;
        }
        int port = candidates.get(index);
        if (byPort.containsKey(port)) {
            bind(owner, name, candidates, index + 1, url, specific, allow);
            return;
        }
        ChannelFuture bound = Visitors.listener(ingress.loop(), visitor -> admit(visitor, port)).bind(bindAddress, port);
        bound.addListener(f -> {
            if (f.isSuccess() && byPort.putIfAbsent(port, new Listener(owner, name, bound.channel(), allow)) == null) {
                reserved.taken(port);
                url.complete(url(port));
            } else {
                bound.channel().close();
                bind(owner, name, candidates, index + 1, url, specific, allow);
            }
        });
    }

    /** A visitor from outside the service's allow list is closed at once: nothing reaches the exposer. */
    private void admit(Channel visitor, int port) {
        Listener listener = byPort.get(port); // null for a moment after the bind: nobody is let in unchecked
        var address = ((InetSocketAddress) visitor.remoteAddress()).getAddress();
        if (listener != null && Cidr.admits(listener.allow(), address)) {
            if (!budget.admit(visitor, "public TCP port " + port)) {
                return;
            }
            visitor.pipeline().addLast(new IdleStateHandler(0, 0, limits.tcpIdle().toMillis(), TimeUnit.MILLISECONDS),
                    CLOSE_WHEN_IDLE);
            ingress.carry(visitor, listener.name());
        } else {
            visitor.close();
        }
    }

    private String url(int port) {
        return "tcp://" + (publicHost.contains(":") ? "[" + publicHost + "]" : publicHost) + ":" + port;
    }

    /** A visitor connection with nothing either way for the idle limit is closed (its stream with it). */
    private static final ChannelHandler CLOSE_WHEN_IDLE = new IdleCloser();

    @ChannelHandler.Sharable
    private static final class IdleCloser extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent) {
                ctx.close();
            } else {
                ctx.fireUserEventTriggered(evt);
            }
        }
    }

    /** The owner's connection closed: its public ports close too, and stay its identity's for a while. */
    void unpublish(Peer owner) {
        byPort.entrySet().removeIf(entry -> {
            if (entry.getValue().owner() == owner) {
                reserved.keep(entry.getKey(), owner);
                entry.getValue().channel().close();
                return true;
            }
            return false;
        });
    }

    /** Public URL of a service, or null. */
    String urlOf(String name) {
        for (var entry : byPort.entrySet()) {
            if (entry.getValue().name().equals(name)) {
                return url(entry.getKey());
            }
        }
        return null;
    }

    void close() {
        byPort.values().forEach(l -> l.channel().close());
        byPort.clear();
    }
}
