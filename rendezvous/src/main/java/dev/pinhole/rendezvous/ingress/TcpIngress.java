package dev.pinhole.rendezvous.ingress;

import dev.pinhole.protocol.Cidr;
import dev.pinhole.rendezvous.registry.Peer;
import dev.pinhole.session.Visitors;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Public TCP ports (docs/ingress-and-dashboard.md, "Public TCP ports"): a service published on port N gets a
 * listener on the rendezvous' bind address; each visitor connection is carried to the exposer by
 * {@link Ingress}. Ports come from the operator's range ({@code --allow-ports}); one port, one service;
 * closed when the exposer leaves.
 */
public final class TcpIngress {
    /** The operator's allowed public ports, inclusive. */
    public record PortRange(int first, int last) {
        public static PortRange parse(String text) {
            String[] parts = text.split("-", 2);
            try {
                int first = Integer.parseInt(parts[0].trim());
                int last = parts.length == 2 ? Integer.parseInt(parts[1].trim()) : first;
                if (first < 1 || last > 65535 || first > last) {
                    throw new NumberFormatException();
                }
                return new PortRange(first, last);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--allow-ports " + text + " (expected: FIRST-LAST within 1..65535)");
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

    public TcpIngress(Ingress ingress, String bindAddress, String publicHost, PortRange allowed) {
        this.ingress = ingress;
        this.bindAddress = bindAddress;
        this.publicHost = publicHost;
        this.allowed = allowed;
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
        List<Integer> candidates = new ArrayList<>();
        if (port != 0) {
            candidates.add(port);
        } else {
            for (int p = allowed.first(); p <= allowed.last(); p++) {
                if (!byPort.containsKey(p)) {
                    candidates.add(p);
                }
            }
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
            ingress.carry(visitor, listener.name());
        } else {
            visitor.close();
        }
    }

    private String url(int port) {
        return "tcp://" + (publicHost.contains(":") ? "[" + publicHost + "]" : publicHost) + ":" + port;
    }

    /** The owner's connection closed: its public ports close too. */
    void unpublish(Peer owner) {
        byPort.entrySet().removeIf(entry -> {
            if (entry.getValue().owner() == owner) {
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
