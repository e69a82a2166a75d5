package dev.pinhole.rendezvous.ingress;

import dev.pinhole.protocol.ControlMessage;
import dev.pinhole.protocol.ControlMessage.Publish;
import dev.pinhole.protocol.ErrorCode;
import dev.pinhole.protocol.ServiceName;
import dev.pinhole.rendezvous.Log;
import dev.pinhole.rendezvous.registry.Peer;
import dev.pinhole.rendezvous.registry.Registry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Answers peers' {@code Publish} requests with the public ingress the operator turned on
 * (docs/ingress-and-dashboard.md): TCP ports ({@link TcpIngress}), HTTP by Host and HTTPS by server name
 * ({@link WebIngress}).
 */
public final class Publisher {
    private final Registry registry;
    private final TcpIngress tcp;
    private final WebIngress web;
    private final Log log;

    /** @param web null when the rendezvous has no {@code --domain} */
    public Publisher(Registry registry, TcpIngress tcp, WebIngress web, Log log) {
        this.registry = registry;
        this.tcp = tcp;
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
        if (!publish.hostHeader().isEmpty() && publish.kind() != Publish.Kind.HTTP) {
            url = CompletableFuture.failedFuture(new IllegalArgumentException(
                    "a Host header can only be rewritten for HTTP ingress (--http)"));
        } else if (!publish.basicAuth().isEmpty() && publish.kind() != Publish.Kind.HTTP) {
            url = CompletableFuture.failedFuture(new IllegalArgumentException(
                    "a password can only guard HTTP ingress (--http); TLS passthrough and TCP ports carry bytes the rendezvous does not read"));
        } else if (publish.kind() == Publish.Kind.TCP) {
            url = tcp.publish(owner, name, publish.port(), publish.allowFrom());
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

    /** The owner's connection closed: its public TCP ports close; HTTP names show "offline" until it is back. */
    public void unpublish(Peer owner) {
        tcp.unpublish(owner);
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
        return urls;
    }

    public void close() {
        tcp.close();
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
