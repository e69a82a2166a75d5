package dev.pinhole.rendezvous.registry;

import dev.pinhole.protocol.AllowedPeer;
import dev.pinhole.protocol.Carries;
import dev.pinhole.protocol.ControlMessage;
import dev.pinhole.protocol.ControlMessage.NatInfo;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One logged-in control connection, as the rest of the rendezvous sees it: who (key fingerprint and
 * token), its NAT, the services it exposes and the sessions it is in, and the channel to write to.
 * Read from any event loop; changed only by {@link Registry} (hence the package-private setters).
 */
public final class Peer {
    private final String id;
    private final String tokenId;
    private final long loggedInAt;
    private final Channel channel;
    /** Local ports of the services this connection exposes, passed on to connectors as a hint. */
    private final Map<String, Integer> ports = new ConcurrentHashMap<>();
    /** Who may open sessions to each service this connection exposes (empty: any peer); see {@link AccessPolicy}. */
    private final Map<String, List<AllowedPeer>> allowed = new ConcurrentHashMap<>();
    /** What each service this connection exposes carries (TCP, UDP or both), passed on to connectors. */
    private final Map<String, Carries> carries = new ConcurrentHashMap<>();
    private final Set<Integer> sessions = ConcurrentHashMap.newKeySet();
    /** What the peer last reported about its NAT, or null. */
    private volatile NatInfo nat;
    private volatile boolean dropped;
    private final AtomicBoolean cut = new AtomicBoolean();
    /** Relayed bytes handed to this connection's event loop and not written yet (see {@link #inFlight()}). */
    private final AtomicLong inFlight = new AtomicLong();
    /** Shared with the identity's and the token's other connections; set at login. */
    private Quotas.Usage identityUsage;
    private Quotas.Usage tokenUsage;

    Peer(String id, String tokenId, long loggedInAt, Channel channel) {
        this.id = id;
        this.tokenId = tokenId;
        this.loggedInAt = loggedInAt;
        this.channel = channel;
    }

    /**
     * Our own answers and notices to this peer (Close, Incoming, Candidates, Published, Error): written unless the
     * peer has left more than {@link #HARD_LIMIT} bytes unread, in which case its connection is closed. A peer
     * that does not read is closed, never buffered for; relayed packets are dropped far below this
     * (docs/security.md, "Limits: connections, control plane, quotas").
     */
    public void send(ControlMessage message) {
        ChannelOutboundBuffer unread = channel.unsafe().outboundBuffer();
        if (unread != null && unread.totalPendingWriteBytes() + inFlight.get() > HARD_LIMIT) {
            channel.close();
            return;
        }
        channel.writeAndFlush(message, channel.voidPromise());
    }

    /**
     * Twice the send-buffer high-water mark: above that mark relayed packets are already dropped, so only our
     * own small messages can take a connection here, and only if its peer stopped reading.
     */
    public static final long HARD_LIMIT = 8L * 1024 * 1024;

    /** Whether a notice that may be lost (a peer retries or times out without it) should be sent now. */
    public boolean writable() {
        return channel.isWritable();
    }

    /**
     * Bytes handed over to this connection's event loop and not yet written: the water mark counts only what
     * reached the channel, so a sender on another loop checks this as well.
     */
    public AtomicLong inFlight() {
        return inFlight;
    }

    void usage(Quotas.Usage identity, Quotas.Usage token) {
        this.identityUsage = identity;
        this.tokenUsage = token;
    }

    Quotas.Usage identityUsage() {
        return identityUsage;
    }

    Quotas.Usage tokenUsage() {
        return tokenUsage;
    }

    /** The fingerprint of the peer's key, proved by its TLS client certificate. */
    public String id() {
        return id;
    }

    public String tokenId() {
        return tokenId;
    }

    public long loggedInAt() {
        return loggedInAt;
    }

    public Channel channel() {
        return channel;
    }

    public NatKind nat() {
        NatInfo info = nat;
        return info == null ? NatKind.UNKNOWN : NatKind.of(info);
    }

    /** IPv4 punching cannot reach this peer; with IPv6 host candidates it still can (docs/direct-paths.md, "Choices where the issue is silent"). */
    boolean hardToPunch() {
        NatInfo info = nat;
        return info != null && info.hard() && !info.ipv6();
    }

    /** The peer runs {@code --relay-only}: its sessions never leave the relay, so connectors need not try. */
    boolean relayOnly() {
        NatInfo info = nat;
        return info != null && info.relayOnly();
    }

    /** The local port this peer exposes {@code name} on, 0 if it did not say. */
    int port(String name) {
        return ports.getOrDefault(name, 0);
    }

    void nat(NatInfo info) {
        nat = info;
    }

    /** What this peer's service {@code name} carries; TCP if it did not say. */
    public Carries carries(String name) {
        return carries.getOrDefault(name, Carries.TCP);
    }

    void exposes(String name, int port, List<AllowedPeer> allowPeers, Carries carried) {
        allowed.put(name, allowPeers);
        ports.put(name, port);
        carries.put(name, carried);
    }

    /** The peers this connection lets open sessions to {@code name}; empty: any peer. */
    List<AllowedPeer> allowed(String name) {
        return allowed.getOrDefault(name, List.of());
    }

    Set<Integer> sessions() {
        return sessions;
    }

    /** Runs {@code task} on this connection's event loop, at once if already there. */
    void onLoop(Runnable task) {
        if (channel.eventLoop().inEventLoop()) {
            task.run();
        } else {
            channel.eventLoop().execute(task);
        }
    }

    /** Set before the peer's state is swept, so a session opened towards it meanwhile is not left behind. */
    void markDropped() {
        dropped = true;
    }

    boolean dropped() {
        return dropped;
    }

    /** Its token was revoked: what it still sends is ignored until its connection closes. */
    public boolean isCut() {
        return cut.get();
    }

    /** True the first time: a revoked token is cut off once, however many state changes report it. */
    boolean markCut() {
        return cut.compareAndSet(false, true);
    }

    @Override
    public String toString() {
        return id;
    }
}
