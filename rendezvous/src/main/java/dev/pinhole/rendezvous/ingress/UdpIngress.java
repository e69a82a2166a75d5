package dev.pinhole.rendezvous.ingress;

import dev.pinhole.protocol.Cidr;
import dev.pinhole.rendezvous.registry.Peer;
import dev.pinhole.session.UdpStats;
import dev.pinhole.session.UdpVisitors;
import io.netty.channel.ChannelFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Public UDP ports (docs/udp.md, "Public UDP ports"): a service published on UDP port N gets one socket on the
 * rendezvous' bind address, on the ingress loop; each visitor's source address is a flow of the ingress session to the
 * exposer ({@link UdpVisitors}, the connecting end's half, as a {@code peer connect --udp} uses it). Flows idle out,
 * are capped per port, and a source outside the service's {@code --allow-ip} makes none. Ports come from the
 * operator's range ({@code --allow-udp-ports}), count in the same quota as TCP ports ({@link PortQuota}), close when
 * the exposer leaves and stay its identity's for {@link PortReservations#KEPT_NANOS} while it reconnects.
 */
final class UdpIngress {
    /** One public UDP port: whose, which service, its visitors (the socket and their flows). */
    private record Port(Peer owner, String name, UdpVisitors visitors) {}


    /**
     * How long a visitor's flow lives at the rendezvous without a datagram either way: what peers use by default
     * (docs/udp.md, "Flows"); the exposer's own {@code --udp-idle-timeout} governs its side.
     */
    static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final Ingress ingress;
    private final String bindAddress;
    private final String publicHost;
    private final TcpIngress.PortRange allowed;
    private final PortQuota quota;
    private final Map<Integer, Port> byPort = new ConcurrentHashMap<>();
    private final PortReservations reserved;

    /** @param allowed the operator's range, or null: no public UDP ports */
    UdpIngress(Ingress ingress, String bindAddress, String publicHost, TcpIngress.PortRange allowed, PortQuota quota,
               LongSupplier nanoTime) {
        this.ingress = ingress;
        this.bindAddress = bindAddress;
        this.publicHost = publicHost;
        this.allowed = allowed;
        this.quota = quota;
        this.reserved = new PortReservations("UDP", nanoTime);
        quota.count(() -> byPort.values().stream().map(Port::owner).toList());
    }

    /** Publishes {@code name} of {@code owner} on UDP {@code port} (0: the first free one); completes with the URL. */
    CompletableFuture<String> publish(Peer owner, String name, int port, List<Cidr> allow) {
        if (allowed == null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("this rendezvous allows no public UDP"
                    + " ports (its operator can allow some with --allow-udp-ports 30000-30100)"));
        }
        for (var entry : byPort.entrySet()) {
            Port held = entry.getValue();
            if (held.name().equals(name) && held.owner() == owner) {
                if (port != 0 && port != entry.getKey()) {
                    return CompletableFuture.failedFuture(new IllegalArgumentException("'" + name + "' already has"
                            + " public UDP port " + entry.getKey()));
                }
                held.visitors().admitting(address -> Cidr.admits(allow, address));
                return CompletableFuture.completedFuture(url(entry.getKey())); // a re-register
            }
        }
        if (port != 0 && !allowed.contains(port)) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("public UDP port " + port
                    + " is outside the range this rendezvous allows (" + allowed + ")"));
        }
        String over = quota.claim(owner);
        if (over != null) {
            return CompletableFuture.failedFuture(new Publisher.QuotaException(over));
        }
        CompletableFuture<String> url = new CompletableFuture<>();
        url.whenComplete((done, failure) -> quota.release(owner)); // held by then, or given up
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
        ingress.loop().execute(() -> bind(owner, name, allow, candidates, 0, port != 0, url));
        return url;
    }

    /** Tries {@code candidates} from {@code index} on, on the ingress loop (the visitors' flows live there). */
    private void bind(Peer owner, String name, List<Cidr> allow, List<Integer> candidates, int index, boolean specific,
                      CompletableFuture<String> url) {
        if (index >= candidates.size()) {
            url.completeExceptionally(new IllegalArgumentException(specific
                    ? "public UDP port " + candidates.get(0) + " is taken" : "no free public UDP port in " + allowed));
            return;
        }
        int port = candidates.get(index);
        if (byPort.containsKey(port)) {
            bind(owner, name, allow, candidates, index + 1, specific, url);
            return;
        }
        UdpVisitors visitors = new UdpVisitors(ingress.loop(), () -> ingress.udpSession(name), IDLE_NANOS, note -> { },
                () -> { }).admitting(address -> Cidr.admits(allow, address));
        ChannelFuture bound = visitors.bind(bindAddress, port);
        bound.addListener(f -> {
            if (f.isSuccess() && byPort.putIfAbsent(port, new Port(owner, name, visitors)) == null) {
                reserved.taken(port);
                ingress.udpVisitors(name, visitors);
                url.complete(url(port));
            } else {
                visitors.close();
                bind(owner, name, allow, candidates, index + 1, specific, url);
            }
        });
    }

    private String url(int port) {
        return "udp://" + (publicHost.contains(":") ? "[" + publicHost + "]" : publicHost) + ":" + port;
    }

    /** The owner's connection closed: its public UDP ports close, and stay its identity's for a while. */
    void unpublish(Peer owner) {
        byPort.entrySet().removeIf(entry -> {
            Port held = entry.getValue();
            if (held.owner() != owner) {
                return false;
            }
            reserved.keep(entry.getKey(), owner);
            ingress.noUdpVisitors(held.name(), held.visitors());
            held.visitors().close();
            return true;
        });
    }

    /** Public UDP URL of a service, or null. */
    String urlOf(String name) {
        for (var entry : byPort.entrySet()) {
            if (entry.getValue().name().equals(name)) {
                return url(entry.getKey());
            }
        }
        return null;
    }

    /** Each open public UDP port's counters, by port (for {@code /metrics}). */
    Map<Integer, UdpStats> stats() {
        Map<Integer, UdpStats> stats = new TreeMap<>();
        byPort.forEach((port, held) -> stats.put(port, held.visitors().stats()));
        return stats;
    }

    void close() {
        byPort.values().forEach(held -> held.visitors().close());
        byPort.clear();
    }
}
