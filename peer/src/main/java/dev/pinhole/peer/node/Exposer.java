package dev.pinhole.peer.node;

import dev.pinhole.protocol.AllowedPeer;
import dev.pinhole.protocol.Carries;
import dev.pinhole.protocol.Cidr;
import dev.pinhole.protocol.ControlMessage;
import dev.pinhole.protocol.ControlMessage.Close;
import dev.pinhole.protocol.ControlMessage.Error;
import dev.pinhole.protocol.ControlMessage.Incoming;
import dev.pinhole.protocol.ControlMessage.Publish;
import dev.pinhole.protocol.ControlMessage.Register;
import dev.pinhole.protocol.ControlMessage.Registered;
import dev.pinhole.protocol.ControlMessage.Welcome;
import dev.pinhole.protocol.Fingerprint;
import dev.pinhole.protocol.JoinCode;
import dev.pinhole.protocol.net.Transport;
import dev.pinhole.protocol.punch.Probe;
import dev.pinhole.protocol.tls.Identity;
import dev.pinhole.protocol.tls.PinnedTrustManager;
import dev.pinhole.session.Datagrams;
import dev.pinhole.session.QuicSettings;
import dev.pinhole.session.Splice;
import dev.pinhole.session.StreamHeader;
import dev.pinhole.session.UdpStats;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * {@code peer expose}: registers a name at the rendezvous and serves every session opened to it. The
 * QUIC server accepts a session's handshake only from the key the rendezvous announced for it, and
 * each stream it accepts becomes one TCP connection to the local service.
 */
public final class Exposer extends PeerNode {
    /** A local service and the public ingress to ask the rendezvous for (none: peers only). */
    public record Service(String name, String host, int port, List<Publication> publish) {
        public Service {
            publish = List.copyOf(publish);
        }

        /** A service only peers reach: no public ingress. */
        public static Service peersOnly(String name, String host, int port) {
            return new Service(name, host, port, List.of());
        }
    }

    /**
     * One way in for visitors without a peer, as {@code kind} says: a public TCP {@code port} (0: any the operator
     * allows), HTTP by Host (optionally behind {@code basicAuth} USER:PASS, with the Host header replaced by
     * {@code hostHeader}) or HTTPS (TLS passthrough); {@code allowFrom} limits visitors' addresses (empty: anyone).
     * The fields are those of the {@link Publish} request it becomes.
     */
    public record Publication(Publish.Kind kind, int port, String basicAuth, List<Cidr> allowFrom, String hostHeader) {
        public static Publication tcp(int port, List<Cidr> allowFrom) {
            return new Publication(Publish.Kind.TCP, port, "", allowFrom, "");
        }

        /** A public UDP port (0: any the operator allows; docs/udp.md, "Public UDP ports"). */
        public static Publication udp(int port, List<Cidr> allowFrom) {
            return new Publication(Publish.Kind.UDP, port, "", allowFrom, "");
        }

        public static Publication http(String basicAuth, List<Cidr> allowFrom) {
            return new Publication(Publish.Kind.HTTP, 0, basicAuth, allowFrom, "");
        }

        /** HTTP with the Host header replaced by {@code hostHeader} (empty: the visitor's). */
        public Publication withHostHeader(String host) {
            return new Publication(kind, port, basicAuth, allowFrom, host);
        }

        public static Publication https(List<Cidr> allowFrom) {
            return new Publication(Publish.Kind.HTTPS, 0, "", allowFrom, "");
        }

        /** The request asking the rendezvous for this way in to service {@code name}. */
        Publish request(int requestId, String name) {
            return new Publish(requestId, name, kind, port, basicAuth, allowFrom, hostHeader);
        }
    }

    private final Service service;
    /** Who may open sessions ({@code --allow-peer}); empty: any peer of the rendezvous. */
    private List<AllowedPeer> allowPeers = List.of();
    private int registerRequest;
    /** Publish requests of the current connection; URLs already printed (a reconnect publishes again, quietly). */
    private final Map<Integer, Publication> publishing = new HashMap<>();
    private final Set<String> printedUrls = new HashSet<>();
    private boolean announced;
    /** Registered again after a reconnect: publishing is no longer the first try, and its failure not fatal. */
    private boolean reregistered;
    /** TCP, UDP or both ({@code --tcp}, {@code --udp}; docs/udp.md). */
    private Carries carries = Carries.TCP;
    /** How long a UDP flow lives without a datagram either way ({@code --udp-idle-timeout}). */
    private Duration udpIdle = DEFAULT_UDP_IDLE;
    private final UdpStats udp = new UdpStats();

    /**
     * A UDP flow's default lifetime without traffic: longer than the keepalives of games and VPNs (WireGuard 25 s,
     * most games a few seconds), as long as common NATs keep a UDP mapping (docs/udp.md, "Flows").
     */
    public static final Duration DEFAULT_UDP_IDLE = Duration.ofSeconds(60);

    public Exposer(Identity identity, JoinCode server, Output out, Service service) {
        this(identity, server, out, service, null);
    }

    /** @param shared the event loop group shared with other nodes, or null for one of its own */
    public Exposer(Identity identity, JoinCode server, Output out, Service service, EventLoopGroup shared) {
        super(identity, server, out, shared);
        this.service = service;
    }

    /** What the service carries: TCP (the default), UDP or both. */
    public Exposer carries(Carries what) {
        this.carries = what;
        this.udpStats = what.udp() ? udp : null;
        return this;
    }

    /** How long a UDP flow lives without a datagram either way. */
    public Exposer udpIdleTimeout(Duration idle) {
        this.udpIdle = idle;
        return this;
    }

    /** This exposer's UDP counters, summed over its sessions (docs/udp.md, "Counters"). */
    public UdpStats udpStats() {
        return udp;
    }

    /** The service, for {@code peer status}. */
    @Override
    String local() {
        String host = service.host();
        return (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + service.port();
    }

    /**
     * Only these peers may open sessions (empty: any peer of the rendezvous). The rendezvous refuses the others;
     * this exposer refuses them again by key, unless the list names token labels, which only the rendezvous
     * knows (docs/security.md, "Who may connect to a service").
     */
    public Exposer allowPeers(List<AllowedPeer> allowed) {
        this.allowPeers = List.copyOf(allowed);
        return this;
    }

    /**
     * Why a session from {@code key} is refused, or null. Public ingress reaches the service with the rendezvous' own
     * key, and only when the service asked for it; {@code --allow-ip} and {@code --basic-auth} guard that way in.
     */
    String refusal(String key) {
        if (allowPeers.isEmpty() || !AllowedPeer.keysOnly(allowPeers) || AllowedPeer.namesKey(allowPeers, key)) {
            return null;
        }
        String rendezvous = control == null ? null : control.serverKey();
        if (!service.publish().isEmpty() && rendezvous != null && Fingerprint.matches(rendezvous, key)) {
            return null;
        }
        return "key " + key + " is not on this exposer's --allow-peer list";
    }

    @Override
    ChannelHandler quicCodec() {
        PinnedTrustManager.Check connectorKeys = (certificate, engine) -> {
            var virtual = QuicSettings.peerOf(engine);
            Session session = virtual == null ? null : byAddress.get(virtual);
            if (session == null) {
                return "no session is expecting this handshake";
            }
            String key = Identity.keyFingerprint(certificate);
            if (!Fingerprint.matches(session.peerKey, key)) {
                return "connector key " + key + " is not the one the rendezvous announced (" + session.peerKey + ")";
            }
            return refusal(key);
        };
        return QuicSettings.server(identity, connectorKeys)
                .handler(Datagrams.pipeline(binder))
                .streamOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .streamOption(ChannelOption.AUTO_READ, false)
                .streamHandler(new ChannelInitializer<QuicStreamChannel>() {
                    @Override
                    protected void initChannel(QuicStreamChannel stream) {
                        StreamHeader.read(stream, (kind, early) -> {
                            if (carries.tcp()) {
                                connectLocal(stream, early);
                            } else {
                                early.release(); // a UDP-only service: its connectors were told so at Opened
                                stream.close();
                            }
                        });
                    }
                })
                .build();
    }

    /** Ties each accepted QUIC connection to its session; shared by all connections, hence @Sharable. */
    private final SessionBinder binder = new SessionBinder();

    @ChannelHandler.Sharable
    private final class SessionBinder extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            QuicChannel quic = (QuicChannel) ctx.channel();
            Session session = sessionOf(quic);
            if (session == null) {
                quic.close();
                return;
            }
            session.quic = quic;
            quic.closeFuture().addListener(f -> endSession(session, "session closed", true));
            if (carries.udp()) {
                quic.pipeline().addLast(new UdpService(loop, service.host(), service.port(), udpIdle.toNanos(), udp,
                        out::note));
            }
            ctx.fireChannelActive();
        }
    }

    /** One stream, one TCP connection to the service; if the service is down the visitor sees a clean close. */
    private void connectLocal(QuicStreamChannel stream, ByteBuf early) {
        new Bootstrap().group(loop).channel(Transport.socketChannel())
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000)
                .handler(new ChannelInboundHandlerAdapter())
                .connect(service.host(), service.port())
                .addListener(future -> {
                    Channel local = ((ChannelFuture) future).channel();
                    if (future.isSuccess()) {
                        if (early.isReadable()) {
                            local.writeAndFlush(early);
                        } else {
                            early.release();
                        }
                        Splice.join(stream, local);
                    } else {
                        early.release();
                        out.note("local service " + service.host() + ":" + service.port() + " is not answering ("
                                + future.cause().getMessage() + "); closed the visitor's connection");
                        stream.shutdownOutput().addListener(f -> stream.close());
                    }
                });
    }

    private static String guard(Publication publication) {
        String who = publication.allowFrom().isEmpty() ? "anyone can connect"
                : "only from " + publication.allowFrom().stream().map(Cidr::toString).collect(Collectors.joining(", "));
        return " (" + who + (publication.basicAuth().isEmpty() ? "" : ", with the password") + "; no peer needed)";
    }

    private String whoMayConnect() {
        if (allowPeers.isEmpty()) {
            return "who may connect: any peer of this rendezvous (limit it with --allow-peer KEY or --allow-peer label:LABEL)";
        }
        return "who may connect: only " + allowPeers.stream().map(AllowedPeer::text).collect(Collectors.joining(", "))
                + (AllowedPeer.keysOnly(allowPeers) ? "" : " (labels are checked by the rendezvous only)");
    }

    @Override
    Probe.Role role() {
        return Probe.Role.EXPOSER;
    }

    /** Rewrites the status file while UDP counters change, at most once a second. */
    private ScheduledFuture<?> statusRefresh;

    @Override
    void loggedIn(Welcome welcome) {
        if (udpStats != null && statusRefresh == null) {
            statusRefresh = loop.scheduleWithFixedDelay(() -> {
                if (udp.changed()) {
                    writeStatus();
                }
            }, 1, 1, TimeUnit.SECONDS);
        }
        registerRequest = control.nextRequestId();
        control.send(new Register(registerRequest, service.name(), service.port(), allowPeers, carries));
    }

    @Override
    void onMessage(ControlMessage message) {
        if (message instanceof ControlMessage.Published done && publishing.containsKey(done.requestId())) {
            Publication publication = publishing.remove(done.requestId());
            if (printedUrls.add(done.url())) {
                out.event("published", "public: " + done.url() + guard(publication),
                        "name", done.name(), "url", done.url(), "password", !publication.basicAuth().isEmpty(),
                        "allow", publication.allowFrom().stream().map(Cidr::toString).toList());
            }
            return;
        }
        if (message instanceof Error error && publishing.containsKey(error.requestId())) {
            Publication publication = publishing.remove(error.requestId());
            if (announced && reregistered) {
                // After a reconnect the peer sessions are worth keeping: say so and go on (the next reconnect retries).
                out.error("could not publish '" + service.name() + "' again (" + publication.kind() + "): " + error.message());
            } else {
                failed.complete("cannot publish '" + service.name() + "': " + error.message());
            }
            return;
        }
        if (message instanceof Registered registered && registered.requestId() == registerRequest) {
            // Every (re-)registration publishes again: a reconnect gets the service's public ways back.
            publishing.clear();
            for (Publication publication : service.publish()) {
                int request = control.nextRequestId();
                publishing.put(request, publication);
                control.send(publication.request(request, registered.name()));
            }
            if (!announced) {
                announced = true;
                String key = identity.keyFingerprint();
                List<String> allowed = allowPeers.stream().map(AllowedPeer::text).toList();
                String udp = carries.udp() ? " --udp" : "";
                out.event("exposed", "exposing " + (carries == Carries.TCP ? "" : carries.text() + " ") + service.host()
                                + ":" + service.port() + " as '" + registered.name()
                                + "' via " + server.address() + "\n  key: " + key
                                + "\n  others connect with: bin/peer connect " + registered.name() + udp + " --expect-key " + key
                                + "\n  " + whoMayConnect(),
                        "name", registered.name(), "target", service.host() + ":" + service.port(),
                        "server", server.address(), "key", key,
                        "connect", "bin/peer connect " + registered.name() + udp + " --expect-key " + key,
                        "carries", carries.text(),
                        "allow_peers", allowed);
            } else {
                reregistered = true;
                out.note("re-registered '" + registered.name() + "' after reconnecting");
            }
        } else if (message instanceof Error error && error.requestId() == registerRequest) {
            failed.complete(error.message());
        } else if (message instanceof Incoming incoming) {
            String refused = refusal(incoming.peerKey());
            if (refused != null) {
                // Only a rendezvous that ignores the list announces such a peer: refuse it here as well.
                String id = Integer.toUnsignedString(incoming.sessionId(), 16);
                out.note("refused session " + id + " from " + incoming.peerKey() + ": " + refused);
                control.send(new Close(incoming.sessionId(), "the exposer of '" + service.name() + "' does not admit "
                        + incoming.peerKey() + " (--allow-peer)"));
                return;
            }
            if (addSession(incoming.sessionId(), incoming.name(), incoming.peerKey(), incoming.secret()) == null) {
                return;
            }
            out.event("session", "session from " + incoming.peerKey(),
                    "session", Integer.toUnsignedString(incoming.sessionId(), 16), "peer", incoming.peerKey(), "path", "relay");
        }
    }

    @Override
    void stopped() {
        if (statusRefresh != null) {
            statusRefresh.cancel(false);
        }
    }

    @Override
    void sessionEnded(Session session, String reason) {
        out.event("session-closed", "session from " + session.peerKey + " closed: " + reason,
                "session", Integer.toUnsignedString(session.id, 16), "reason", reason);
    }
}
