package dev.pinhole.peer.cli;

import dev.pinhole.peer.node.Connector;
import dev.pinhole.peer.node.Exposer;
import dev.pinhole.peer.node.Output;
import dev.pinhole.peer.node.PeerNode;
import dev.pinhole.protocol.ControlMessage.Welcome;
import dev.pinhole.protocol.JoinCode;
import dev.pinhole.protocol.net.Transport;
import dev.pinhole.protocol.tls.Identity;
import io.netty.channel.EventLoopGroup;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The tunnels {@code peer up} runs: one node per tunnel, each with its own control connection and UDP socket, all on
 * one shared event loop (docs/operations.md, "peer up: many tunnels in one process"). {@link #apply} makes the running
 * set what a file says: tunnels no longer in it stop, new ones start, changed ones restart, and the others are not
 * touched, so their sessions and their visitors' connections go on.
 */
final class Tunnels implements AutoCloseable {
    /** One tunnel and its node; {@code failed} once the node gave up (it is closed, and a reload starts it again). */
    private static final class Running {
        final TunnelsFile.Tunnel tunnel;
        final PeerNode node;
        boolean failed;

        Running(TunnelsFile.Tunnel tunnel, PeerNode node) {
            this.tunnel = tunnel;
            this.node = node;
        }
    }

    private final Identity identity;
    private final JoinCode server;
    private final Output out;
    private final Path runDir;
    private final Consumer<Welcome> welcomed;
    /** Where a node's failure is handed to the thread of {@code peer up}, which closes it (never on the loop itself). */
    private final BlockingQueue<Runnable> events;
    /** One thread for every node: each still runs all its handlers on one loop, so nothing locks. */
    private final EventLoopGroup group = Transport.newGroup(1, "peer");
    private final Map<String, Running> running = new LinkedHashMap<>();
    private boolean closed;

    Tunnels(Identity identity, JoinCode server, Output out, Path runDir, Consumer<Welcome> welcomed,
            BlockingQueue<Runnable> events) {
        this.identity = identity;
        this.server = server;
        this.out = out;
        this.runDir = runDir;
        this.welcomed = welcomed;
        this.events = events;
    }

    /** What a reload did, by tunnel id. */
    record Change(List<String> started, List<String> stopped, List<String> restarted, int unchanged) {
        String summary() {
            return part(started, "started") + ", " + part(stopped, "stopped") + ", " + part(restarted, "restarted")
                    + ", " + unchanged + " unchanged";
        }

        private static String part(List<String> ids, String what) {
            return ids.size() + " " + what + (ids.isEmpty() ? "" : " (" + String.join(", ", ids) + ")");
        }
    }

    /** Stops what {@code wanted} no longer has or has changed, then starts what is new or changed (or had failed). */
    synchronized Change apply(List<TunnelsFile.Tunnel> wanted) {
        Map<String, TunnelsFile.Tunnel> byId = new LinkedHashMap<>();
        wanted.forEach(t -> byId.put(t.id(), t));
        List<String> started = new ArrayList<>();
        List<String> stopped = new ArrayList<>();
        List<String> restarted = new ArrayList<>();
        List<TunnelsFile.Tunnel> toStart = new ArrayList<>();
        int unchanged = 0;
        // Stops first: a changed tunnel's name or listen address is free again before anything starts.
        for (Running r : List.copyOf(running.values())) {
            TunnelsFile.Tunnel next = byId.get(r.tunnel.id());
            if (next == null) {
                stop(r);
                stopped.add(r.tunnel.id());
            } else if (r.failed || !r.tunnel.sameAs(next)) {
                stop(r);
                restarted.add(r.tunnel.id());
                toStart.add(next);
            } else {
                unchanged++;
            }
        }
        for (TunnelsFile.Tunnel tunnel : wanted) {
            if (!running.containsKey(tunnel.id()) && !toStart.contains(tunnel)) {
                started.add(tunnel.id());
                toStart.add(tunnel);
            }
        }
        toStart.forEach(this::start);
        // Kept in the file's order, so that logs and status list the tunnels as the file does.
        Map<String, Running> ordered = new LinkedHashMap<>();
        byId.keySet().forEach(id -> ordered.put(id, running.get(id)));
        running.clear();
        running.putAll(ordered);
        return new Change(started, stopped, restarted, unchanged);
    }

    private void start(TunnelsFile.Tunnel tunnel) {
        Output tagged = out.tunnel(tunnel.id());
        PeerNode node;
        if (tunnel.expose() != null) {
            node = new Exposer(identity, server, tagged, tunnel.expose().service(), group)
                    .allowPeers(tunnel.expose().allowPeers())
                    .carries(tunnel.expose().carries()).udpIdleTimeout(tunnel.expose().udpIdle())
                    .directPaths(!tunnel.expose().relayOnly());
        } else {
            Connector connector = new Connector(identity, server, tagged, tunnel.connect().target(), group).waitForName(true);
            if (tunnel.connect().udpIdle() != null) {
                connector.udp(tunnel.connect().udpIdle());
            }
            node = connector.directPaths(!tunnel.connect().relayOnly());
        }
        node.statusDir(runDir, tunnel.id()).onWelcome(welcomed);
        Running r = new Running(tunnel, node);
        running.put(tunnel.id(), r);
        node.failure().thenAccept(reason -> events.add((UpCommand.Failure) () -> failed(r, reason)));
        try {
            node.start();
        } catch (Exception e) {
            node.failure().complete("cannot start: " + e.getMessage());
        }
    }

    private synchronized void failed(Running r, String reason) {
        if (running.get(r.tunnel.id()) != r || r.failed) {
            return; // stopped or replaced by a reload meanwhile
        }
        r.failed = true;
        r.node.close();
        out.tunnel(r.tunnel.id()).error(reason + " (this tunnel stopped; the others go on; a reload starts it again)");
    }

    private void stop(Running r) {
        running.remove(r.tunnel.id());
        r.node.close();
    }

    /** Whether no tunnel runs because every one of them failed (a refused token, taken names): nothing is left to do. */
    synchronized boolean allFailed() {
        return !running.isEmpty() && running.values().stream().allMatch(r -> r.failed);
    }

    synchronized int size() {
        return running.size();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        running.values().forEach(r -> r.node.close());
        running.clear();
        group.shutdownGracefully(100, 2_000, TimeUnit.MILLISECONDS).syncUninterruptibly();
    }
}
