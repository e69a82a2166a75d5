package dev.pinhole.rendezvous.ingress;

import dev.pinhole.protocol.Carries;
import dev.pinhole.protocol.ControlMessage;
import dev.pinhole.protocol.ControlMessage.Publish;
import dev.pinhole.protocol.ErrorCode;
import dev.pinhole.protocol.ServiceName;
import dev.pinhole.rendezvous.Log;
import dev.pinhole.rendezvous.registry.Peer;
import dev.pinhole.rendezvous.registry.Registry;
import dev.pinhole.session.UdpStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Answers peers' {@code Publish} requests with the public ingress the operator turned on
 * (docs/ingress-and-dashboard.md): TCP ports ({@link TcpIngress}), HTTP by Host and HTTPS by server name
 * ({@link WebIngress}), UDP ports ({@link UdpIngress}; docs/udp.md, "Public UDP ports").
 */
public final class Publisher {
    private final Registry registry;
    private final TcpIngress tcp;
    private final UdpIngress udp;
    private final WebIngress web;
    private final Log log;

    /** @param web null when the rendezvous has no {@code --domain} */
    public Publisher(Registry registry, TcpIngress tcp, WebIngress web, Log log) {
        this(registry, tcp, null, web, log);
    }

    /**
     * @param udpPorts the operator's public UDP ports ({@code --allow-udp-ports}), or null for none; they share
     *                 {@code tcp}'s port quota
     * @param web      null when the rendezvous has no {@code --domain}
     */
    public Publisher(Registry registry, TcpIngress tcp, TcpIngress.PortRange udpPorts, WebIngress web, Log log) {
        this.registry = registry;
        this.tcp = tcp;
        this.udp = tcp.udpPorts(udpPorts, System::nanoTime);
        this.web = web;
        this.log = log;
    }

    /** Answers on the owner's connection: {@code Published} with the URL, or an {@code Error}. */
    public void answer(Peer owner, Publish publish) {
        var problem = ServiceName.problem(publish.name());
        if (problem.isPresent()) {
            owner.send(new ControlMessage.Error(publish.requestId(), ErrorCode.BAD_NAME, problem.get()));
            return;
        }
        String name = ServiceName.canonical(publish.name());
        if (registry.exposerOf(name).orElse(null) != owner) {
            owner.send(new ControlMessage.Error(publish.requestId(), ErrorCode.UNKNOWN_NAME,
                    "register '" + name + "' before publishing it"));
            return;
        }
        CompletableFuture<String> url;
        String mismatch = kindMismatch(name, owner.carries(name), publish.kind());
        if (mismatch != null) {
            url = CompletableFuture.failedFuture(new IllegalArgumentException(mismatch));
        } else if (!publish.hostHeader().isEmpty() && publish.kind() != Publish.Kind.HTTP) {
            url = CompletableFuture.failedFuture(new IllegalArgumentException(
                    "a Host header can only be rewritten for HTTP ingress (--http)"));
        } else if (!publish.basicAuth().isEmpty() && publish.kind() != Publish.Kind.HTTP) {
            url = CompletableFuture.failedFuture(new IllegalArgumentException(
                    "a password can only guard HTTP ingress (--http); TLS passthrough and TCP ports carry bytes the rendezvous does not read"));
        } else if (publish.kind() == Publish.Kind.TCP) {
            url = tcp.publish(owner, name, publish.port(), publish.allowFrom());
        } else if (publish.kind() == Publish.Kind.UDP) {
            url = udp == null ? CompletableFuture.failedFuture(new IllegalArgumentException("this rendezvous allows no"
                    + " public UDP ports")) : udp.publish(owner, name, publish.port(), publish.allowFrom());
        } else if (web == null) {
            url = CompletableFuture.failedFuture(new IllegalArgumentException("this rendezvous has no HTTP or HTTPS ingress"
                    + " (its operator turns it on with --domain)"));
        } else {
            try {
                url = CompletableFuture.completedFuture(web.publish(owner, name, publish));
            } catch (IllegalArgumentException e) {
                url = CompletableFuture.failedFuture(e);
            }
        }
        url.whenComplete((done, failure) -> {
            if (failure != null) {
                owner.send(new ControlMessage.Error(publish.requestId(),
                        failure instanceof QuotaException ? ErrorCode.LIMIT : ErrorCode.PORT_UNAVAILABLE, failure.getMessage()));
            } else {
                log.info("service '" + name + "' public at " + done
                        + (publish.basicAuth().isEmpty() ? "" : " (password)")
                        + (publish.allowFrom().isEmpty() ? "" : " (from " + publish.allowFrom() + " only)"));
                owner.send(new ControlMessage.Published(publish.requestId(), name, done));
            }
        });
    }

    /**
     * Why the service {@code name}, carrying {@code carried}, cannot be published as {@code kind}, or null: UDP ports
     * need a service that carries UDP; TCP ports, HTTP and HTTPS one that carries TCP (docs/udp.md, "Public UDP ports").
     */
    static String kindMismatch(String name, Carries carried, Publish.Kind kind) {
        boolean udpKind = kind == Publish.Kind.UDP;
        if (udpKind ? carried.udp() : carried.tcp()) {
            return null;
        }
        String what = kind == Publish.Kind.TCP ? "a public TCP port" : kind == Publish.Kind.UDP ? "a public UDP port" : kind.name();
        return "'" + name + "' carries " + carried.text() + " only, so it cannot be published over " + what
                + (udpKind ? ": its exposer must add --udp" : ": its exposer must add --tcp");
    }

    /** The owner's connection closed: its public TCP and UDP ports close; HTTP names show "offline" until it is back. */
    public void unpublish(Peer owner) {
        tcp.unpublish(owner);
        if (udp != null) {
            udp.unpublish(owner);
        }
        if (web != null) {
            web.unpublish(owner);
        }
    }

    /** Every public URL of {@code name}. */
    public List<String> urlsOf(String name) {
        List<String> urls = new ArrayList<>(web == null ? List.of() : web.urlsOf(name));
        String port = tcp.urlOf(name);
        if (port != null) {
            urls.add(port);
        }
        String udpPort = udp == null ? null : udp.urlOf(name);
        if (udpPort != null) {
            urls.add(udpPort);
        }
        return urls;
    }

    /** Each open public UDP port's counters, by port (for {@code /metrics}). */
    public Map<Integer, UdpStats> udpStats() {
        return udp == null ? Map.of() : udp.stats();
    }

    public void close() {
        tcp.close();
        if (udp != null) {
            udp.close();
        }
        if (web != null) {
            web.close();
        }
    }

    /** A request over one of the owner's quotas: answered with {@code LIMIT}, the message naming the limit. */
    static final class QuotaException extends IllegalArgumentException {
        QuotaException(String message) {
            super(message);
        }
    }
}
