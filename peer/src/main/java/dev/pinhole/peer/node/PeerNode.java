package dev.pinhole.peer.node;

import dev.pinhole.peer.control.ControlClient;
import dev.pinhole.peer.punch.ProbeBudget;
import dev.pinhole.peer.punch.Punch;
import dev.pinhole.peer.punch.Reflexive;
import dev.pinhole.peer.punch.SocketQuota;
import dev.pinhole.protocol.ControlMessage;
import dev.pinhole.protocol.ControlMessage.Candidates;
import dev.pinhole.protocol.ControlMessage.Close;
import dev.pinhole.protocol.ControlMessage.Relay;
import dev.pinhole.protocol.ControlMessage.Welcome;
import dev.pinhole.protocol.JoinCode;
import dev.pinhole.protocol.SessionSecret;
import dev.pinhole.protocol.net.Transport;
import dev.pinhole.protocol.punch.Probe;
import dev.pinhole.protocol.punch.ProbeCodec;
import dev.pinhole.protocol.punch.ProbeFormatException;
import dev.pinhole.protocol.tls.Identity;
import dev.pinhole.session.DirectPath;
import dev.pinhole.session.PacketBatch;
import dev.pinhole.session.PacketPath;
import dev.pinhole.session.PathMux;
import dev.pinhole.session.PeerSocket;
import dev.pinhole.session.RelayPath;
import dev.pinhole.session.UdpStats;
import dev.pinhole.session.VirtualNet;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.quic.QuicChannel;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * What an exposer and a connector share: one event loop for everything (control connection, UDP socket, QUIC, local sockets),
 * so handlers never lock and packets never hop threads; one UDP socket whose pipeline is {@link PathMux} then the QUIC codec,
 * carrying STUN, punch probes and QUIC; and the table of sessions by id, each on the relay first, a {@link Punch} seeking direct.
 */
public abstract class PeerNode implements ControlClient.Listener, PathMux.Listener, AutoCloseable {
    private static final SecureRandom RANDOM = new SecureRandom();

    protected final Identity identity;
    protected final JoinCode server;
    protected final Output out;
    /** The event loop group this node runs on; shut down with the node only when the node made it. */
    protected final EventLoopGroup group;
    private final boolean ownGroup;
    protected final EventLoop loop;
    protected final PathMux mux = new PathMux(this, VirtualNet.PEER);
    protected final Map<Integer, Session> sessions = new ConcurrentHashMap<>();
    /** Read by TLS key checks, which may run off the event loop. */
    protected final Map<InetSocketAddress, Session> byAddress = new ConcurrentHashMap<>();
    /** Completes with a message when the node cannot go on (the command exits non-zero). */
    protected final CompletableFuture<String> failed = new CompletableFuture<>();
    final Reflexive reflexive;
    /** Probe bytes to unverified addresses, all sessions together (docs/security.md, "Limits: hole punching and STUN"). */
    final ProbeBudget probeBudget = new ProbeBudget(ProbeBudget.NODE_BYTES_PER_SECOND);
    /** Birthday sockets open at once, all sessions together (same section). */
    final SocketQuota socketQuota = new SocketQuota(SocketQuota.NODE_SOCKETS);
    List<InetSocketAddress> hosts = List.of();
    protected ControlClient control;
    protected Channel udp;
    boolean directPaths = true;
    long handshakeMillis = HandshakeDeadline.MILLIS; // shorter in tests
    /** Whether the rendezvous answers STUN (its Welcome named a port). */
    boolean stunAvailable;
    private ControlMessage.NatInfo reportedNat;
    private Consumer<Welcome> welcomed = welcome -> { };
    private StatusFile status;
    UdpStats udpStats; // the tunnel's UDP counters for peer status (docs/udp.md); null: it carries no UDP

    /**
     * @param shared the group to run on, one thread shared with other nodes ({@code peer up}: docs/operations.md,
     *               "peer up: many tunnels in one process"), or null for a group of this node's own
     */
    PeerNode(Identity identity, JoinCode server, Output out, EventLoopGroup shared) {
        this.identity = identity;
        this.server = server;
        this.out = out;
        this.ownGroup = shared == null;
        this.group = ownGroup ? Transport.newGroup(1, "peer") : shared;
        this.loop = group.next();
        this.reflexive = new Reflexive(mux, loop);
    }

    /** Completes with a message when the node cannot go on. */
    public CompletableFuture<String> failure() {
        return failed;
    }

    /** {@code false}: stay on the relay (no STUN, no probes); for networks where UDP is unwelcome, and benchmarks. */
    public PeerNode directPaths(boolean enabled) {
        this.directPaths = enabled;
        return this;
    }

    /** Called with each Welcome (the CLI remembers the STUN port for {@code diagnostics nat-type}). */
    public PeerNode onWelcome(Consumer<Welcome> listener) {
        this.welcomed = listener;
        return this;
    }

    /** Where {@code peer status} finds this node's sessions (null: nowhere); {@code tunnel}: its name in {@code peer up}. */
    public PeerNode statusDir(Path dir, String tunnel) {
        this.status = dir == null ? null : new StatusFile(dir, role(), tunnel);
        return this;
    }

    /** The local end ({@code peer status}): the exposed service, or where a connector listens (null before it does). */
    String local() {
        return null;
    }

    abstract ChannelHandler quicCodec();

    abstract void onMessage(ControlMessage message);

    /** Logged in (again); STUN has been started. */
    abstract void loggedIn(Welcome welcome);

    abstract Probe.Role role();

    public void start() throws Exception {
        udp = PeerSocket.bootstrap(loop)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(mux, quicCodec());
                    }
                })
                .bind(new InetSocketAddress(0)).sync().channel();
        // With the rendezvous on this machine every peer is too: the reflexive candidate is all it takes.
        boolean local = InetAddress.getByName(server.host()).isLoopbackAddress();
        hosts = local ? List.of() : HostAddresses.of(((InetSocketAddress) udp.localAddress()).getPort());
        // Loads the HMAC provider now: the first one costs tens of milliseconds, which the first punch would pay.
        new ProbeCodec(SessionSecret.random()).encode(new Probe.Ping(0, role(), 0), ByteBufAllocator.DEFAULT).release();
        control = new ControlClient(server, identity, loop, this);
        control.start();
        writeStatus();
    }

    /** Waits until the node fails; returns the reason. */
    public String awaitFailure() throws Exception {
        return failed.get();
    }

    @Override
    public void ready(Welcome welcome) {
        welcomed.accept(welcome);
        stunAvailable = welcome.stunPort() > 0;
        if (!directPaths) {
            // Before Register: connectors then learn from Opened to stay on the relay (docs/direct-paths.md).
            control.send(new ControlMessage.NatInfo(false, false, false, true));
        } else if (welcome.stunPort() > 0) {
            InetSocketAddress stun = new InetSocketAddress(server.host(), welcome.stunPort());
            InetSocketAddress alt = welcome.stunAltPort() > 0 ? new InetSocketAddress(server.host(), welcome.stunAltPort()) : null;
            if (!stun.isUnresolved()) {
                reflexive.start(stun, alt);
                reportedNat = null;
                reflexive.whenReady(this::reportNat);
            }
        }
        loggedIn(welcome);
    }

    Session addSession(int id, String name, String peerKey, SessionSecret secret) {
        return addSession(id, name, peerKey, secret, mux);
    }

    /**
     * @param on the mux of the socket whose QUIC codec will carry the session
     * @return the session, or null when every virtual address is in use (the rendezvous is told; the rest goes on)
     */
    Session addSession(int id, String name, String peerKey, SessionSecret secret, PathMux on) {
        RelayPath relay = new RelayPath(id, control::channel, server.address());
        InetSocketAddress virtual = on.open(relay);
        if (virtual == null) {
            String why = "no virtual address left: " + VirtualNet.ADDRESSES + " sessions open at once on this peer";
            out.note("refused session " + Integer.toUnsignedString(id, 16) + ": " + why);
            control.send(new Close(id, why));
            return null;
        }
        Session session = new Session(id, name, peerKey, virtual, relay, secret, on);
        session.punch = new Punch(id, role(), session.probes, new SessionPaths(this, session), RANDOM);
        sessions.put(id, session);
        byAddress.put(virtual, session);
        HandshakeDeadline.watch(this, session, handshakeMillis);
        writeStatus();
        return session;
    }

    /** Starts looking for a direct path once this peer knows its public address (or gave up on it). */
    void punch(Session session) {
        if (directPaths) {
            reflexive.whenReady(session.punch::start);
        }
    }

    /** Forgets a session, closes its QUIC connection, and tells the rendezvous if asked to. */
    void endSession(Session session, String reason, boolean tellServer) {
        if (sessions.remove(session.id, session)) {
            byAddress.remove(session.virtual);
            session.punch.close();
            if (session.quic != null) {
                // The route goes once QUIC has sent its CONNECTION_CLOSE on it: that tells the other peer at once,
                // even when no rendezvous is there to pass on a Close (docs/architecture.md, "One session, many paths").
                session.quic.close().addListener(closed -> session.mux.close(session.virtual));
            } else {
                session.mux.close(session.virtual);
            }
            if (tellServer) {
                control.send(new Close(session.id, reason));
            }
            sessionEnded(session, reason);
            writeStatus();
        }
    }

    void sessionEnded(Session session, String reason) {}

    /** The session moved to {@code path}; {@code why} says why it left a direct one (null otherwise). */
    void pathChanged(Session session, PacketPath path, String why) {
        if (session.withoutRendezvous && !(path instanceof DirectPath)) {
            endSession(session, "the direct path stopped (" + why + ") and the rendezvous can no longer relay this session", false);
            return;
        }
        control.send(new ControlMessage.PathReport(session.id, path instanceof DirectPath));
        // A connector announces its first path when the handshake completes (after "ready"); a punch can be faster.
        if (session.quic != null || role() == Probe.Role.EXPOSER) {
            session.announce(out, path, why);
        }
        writeStatus();
    }

    Session sessionOf(QuicChannel quic) {
        return byAddress.get((InetSocketAddress) quic.remoteSocketAddress());
    }

    @Override
    public void message(ControlMessage message) {
        if (message instanceof Relay relay) {
            Session session = sessions.get(relay.sessionId());
            if (session == null) {
                relay.release();
            } else {
                PacketBatch.split(relay.payload(), relay.segmentSize(), packet -> session.mux.deliver(session.virtual, packet));
            }
        } else if (message instanceof Close close) {
            Session session = sessions.get(close.sessionId());
            if (session != null) {
                endSession(session, close.reason(), false);
            }
        } else if (message instanceof ControlMessage.PathReport report) {
            Session session = sessions.get(report.sessionId());
            if (session != null && report.direct()) {
                session.punch.otherDirect();
            } else if (session != null) {
                session.punch.otherLeft();
            }
        } else if (message instanceof Candidates candidates) {
            Session session = sessions.get(candidates.sessionId());
            if (session != null && directPaths) {
                reflexive.whenReady(() -> session.punch.candidates(candidates));
            }
        } else {
            onMessage(message);
        }
    }

    @Override
    public void stun(DatagramPacket packet) {
        reflexive.received(packet);
    }

    @Override
    public void probe(Channel socket, DatagramPacket packet) {
        try {
            Session session = sessions.get(ProbeCodec.sessionOf(packet.content()));
            if (session != null) {
                Probe probe = session.probes.decode(packet.content());
                if (probe.sessionId() == session.id) {
                    session.punch.received(socket, packet.sender(), probe, packet.content().readableBytes());
                }
            }
        } catch (ProbeFormatException e) {
            // Not from the other peer of a live session: nothing to learn from it, nothing to answer.
        } finally {
            packet.release();
        }
    }

    @Override
    public void batchComplete() {
        mux.deliverComplete();
        relayOnlyBatchComplete();
    }

    /** The connector's second mux (relay-only sessions) has delivered too. */
    void relayOnlyBatchComplete() {}

    /** Whether this peer has IPv6 host candidates (usually reachable with no NAT in the way). */
    boolean hasIpv6() {
        return hosts.stream().anyMatch(h -> h.getAddress() instanceof Inet6Address);
    }

    /** Tells the rendezvous what STUN found (once per login, and when it changes). */
    void reportNat() {
        Reflexive.Result result = reflexive.result();
        ControlMessage.NatInfo info = new ControlMessage.NatInfo(result.reflexive() != null, result.hard(), hasIpv6(), false);
        if (!info.equals(reportedNat) && control.send(info)) {
            reportedNat = info;
        }
    }

    @Override
    public void down(String reason, long retryMillis) {
        out.note("rendezvous: " + reason + "; retrying in " + String.format("%.1f", retryMillis / 1000.0) + " s");
        // A relayed session cannot go on without the rendezvous; a direct one can, and its streams with it (the
        // rendezvous forgets it without telling this peer's partner). It ends if its path ever does.
        for (Session session : List.copyOf(sessions.values())) {
            if (session.quic != null && session.mux.path(session.virtual) instanceof DirectPath) {
                if (!session.withoutRendezvous) {
                    session.withoutRendezvous = true;
                    out.note("session " + Integer.toUnsignedString(session.id, 16) + " stays up on its direct path without the rendezvous");
                }
            } else {
                endSession(session, "control connection lost", false);
            }
        }
    }

    /**
     * The rendezvous refused this peer for good (a revoked token, a wrong one, a version mismatch): every session
     * ends, direct ones too, since they were allowed only on the rendezvous' word (docs/security.md, "Limits and
     * data safety: tokens, names, state"); closing their QUIC connections tells the other peers at once.
     */
    @Override
    public void fatal(String reason) {
        for (Session session : List.copyOf(sessions.values())) {
            endSession(session, reason, false);
        }
        failed.complete(reason);
    }

    void writeStatus() {
        if (status != null) {
            status.write(server.address(), local(), List.copyOf(sessions.values()), s -> s.mux.path(s.virtual), udpStats);
        }
    }

    /** Closes what the subclass opened on the loop: on a shared group nothing else would (the group lives on). */
    void stopped() {}

    /** Closing twice (a test, then its rig; a signal, then the hook) is a no-op the second time. */
    private final AtomicBoolean closed = new AtomicBoolean();

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        loop.submit(() -> {
            List.copyOf(sessions.values()).forEach(s -> endSession(s, "peer shutting down", true));
            reflexive.stop();
            if (control != null) {
                control.stop();
            }
            if (udp != null) {
                udp.close();
            }
            stopped();
        }).syncUninterruptibly();
        if (status != null) {
            status.delete();
        }
        if (!ownGroup) {
            return;
        }
        group.shutdownGracefully(100, 2_000, TimeUnit.MILLISECONDS).syncUninterruptibly();
    }
}
