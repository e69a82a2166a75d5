package dev.pinhole.lab;

import static org.awaitility.Awaitility.await;

import dev.pinhole.peer.node.Connector;
import dev.pinhole.peer.node.Exposer;
import dev.pinhole.peer.node.Output;
import dev.pinhole.protocol.Carries;
import dev.pinhole.protocol.JoinCode;
import dev.pinhole.protocol.tls.Identity;
import dev.pinhole.rendezvous.RendezvousConfig;
import dev.pinhole.rendezvous.RendezvousServer;
import dev.pinhole.rendezvous.cli.RendezvousCli;
import dev.pinhole.rendezvous.ingress.http.Deadlines;
import dev.pinhole.rendezvous.stun.StunServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A rendezvous, an exposer and a connector in this JVM, on loopback with real sockets, TLS and QUIC:
 * the user's path, minus process start-up. Closes everything it started.
 */
final class Rig implements AutoCloseable {
    final Path dataDir;
    final List<String> serverLog = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> open = new ArrayList<>();
    RendezvousServer server;

    Rig(Path dir) {
        this.dataDir = dir.resolve("rendezvous");
    }

    RendezvousServer startServer(int port) throws Exception {
        server = new RendezvousServer(new RendezvousConfig(dataDir, "127.0.0.1", port, "127.0.0.1"), serverLog::add).start();
        open.add(server);
        return server;
    }

    /**
     * A rendezvous started from {@code flags} exactly as {@code rendezvous FLAGS} parses them, on loopback with a free
     * control port, no STUN and the dashboard on a free port (public UDP ports: docs/udp.md).
     */
    RendezvousServer startServerTyped(String... flags) throws Exception {
        List<String> args = new ArrayList<>(List.of("--data-dir", dataDir.toString(), "--bind", "127.0.0.1", "--port", "0",
                "--public-host", "127.0.0.1", "--no-stun", "--dashboard", "127.0.0.1:0"));
        args.addAll(List.of(flags));
        server = new RendezvousServer(RendezvousCli.settingsOf(args.toArray(String[]::new)), serverLog::add).start();
        open.add(server);
        return server;
    }

    /** The STUN-enabled rendezvous' domain for HTTP/HTTPS ingress (free ports; tests send Host headers). */
    static final String DOMAIN = "pinhole.test";

    /** The one public TCP port the STUN-enabled rendezvous allows (free when the rig started it). */
    int publicPort;

    /**
     * A rendezvous with STUN on loopback (two free ports), so peers can find direct paths, a dashboard on a
     * free port, one free port allowed for public TCP ingress ({@link #publicPort}), and HTTP/HTTPS ingress for
     * {@link #DOMAIN} on free ports.
     */
    RendezvousServer startServerWithStun() throws Exception {
        return startServerWithStun(Deadlines.DEFAULT);
    }

    /** The same, with the given deadlines for HTTP and HTTPS visitors (attack tests shorten them). */
    RendezvousServer startServerWithStun(Deadlines deadlines) throws Exception {
        return startServerWithStun(deadlines, new String[0]);
    }

    /**
     * {@link #startServerWithStun()} with the budgets and quotas {@code limitFlags} set, parsed as the
     * {@code rendezvous} command parses them (e.g. {@code "--max-connections-per-source", "50"}).
     */
    RendezvousServer startServerWithStun(String... limitFlags) throws Exception {
        return startServerWithStun(Deadlines.DEFAULT, limitFlags);
    }

    RendezvousServer startServerWithStun(Deadlines deadlines, String... limitFlags) throws Exception {
        return startServerWithStun(deadlines, 1, limitFlags);
    }

    /**
     * The same, allowing {@code publicPorts} public TCP ports from {@link #publicPort} on: that one was free when
     * the rig started the server; a later one that is not makes the rendezvous try the next (quota tests).
     */
    RendezvousServer startServerWithStun(Deadlines deadlines, int publicPorts, String... limitFlags) throws Exception {
        List<String> args = new ArrayList<>(List.of("--data-dir", dataDir.toString()));
        args.addAll(List.of(limitFlags));
        RendezvousConfig typed = RendezvousCli.settingsOf(args.toArray(String[]::new));
        do {
            try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                publicPort = free.getLocalPort();
            }
        } while (publicPort + publicPorts - 1 > 65535);
        var stun = new StunServer.Config(InetAddress.getLoopbackAddress(), 0, null, 0);
        server = new RendezvousServer(new RendezvousConfig(dataDir, "127.0.0.1", 0, "127.0.0.1",
                typed.loginTimeout(), stun, new InetSocketAddress("127.0.0.1", 0),
                publicPort + "-" + (publicPort + publicPorts - 1), new RendezvousConfig.Web(DOMAIN, 0, 0, deadlines), typed.limits()),
                serverLog::add).start();
        open.add(server);
        return server;
    }

    JoinCode joinCode() {
        return server.joinCode();
    }

    record Running<T>(T node, EventLog out) {}

    Running<Exposer> expose(Identity identity, JoinCode code, String name, int port) throws Exception {
        return expose(identity, code, Exposer.Service.peersOnly(name, "127.0.0.1", port));
    }

    Running<Exposer> expose(Identity identity, JoinCode code, Exposer.Service service) throws Exception {
        return expose(identity, code, service, Carries.TCP);
    }

    /** An exposer of {@code service} carrying {@code carries} (docs/udp.md). */
    Running<Exposer> expose(Identity identity, JoinCode code, Exposer.Service service, Carries carries) throws Exception {
        EventLog log = new EventLog();
        Exposer exposer = new Exposer(identity, code, new Output(log.writer(), log.writer(), true), service);
        exposer.carries(carries);
        exposer.start();
        open.add(exposer);
        return new Running<>(exposer, log);
    }

    Running<Exposer> exposeReady(Identity identity, String name, int port) throws Exception {
        Running<Exposer> running = expose(identity, joinCode(), name, port);
        await().atMost(Duration.ofSeconds(10)).until(() -> running.out().last("exposed").isPresent());
        return running;
    }

    Running<Connector> connect(Identity identity, JoinCode code, String name, String expectKey) throws Exception {
        return connect(identity, code, name, expectKey, true);
    }

    /** @param directPaths false: the session stays on the relay ({@code --relay-only}) */
    Running<Connector> connect(Identity identity, JoinCode code, String name, String expectKey, boolean directPaths)
            throws Exception {
        EventLog log = new EventLog();
        Connector connector = new Connector(identity, code, new Output(log.writer(), log.writer(), true),
                new Connector.Target(name, "127.0.0.1", 0, expectKey));
        connector.directPaths(directPaths);
        connector.start();
        open.add(connector);
        return new Running<>(connector, log);
    }

    /** A connector that is listening; returns its port. */
    Running<Connector> connectReady(Identity identity, String name) throws Exception {
        Running<Connector> running = connect(identity, joinCode(), name, null);
        await().atMost(Duration.ofSeconds(10)).until(() -> running.out().last("ready").isPresent());
        return running;
    }

    static int port(Running<Connector> connector) {
        String listen = connector.out().last("ready").orElseThrow().path("listen").asText();
        return Integer.parseInt(listen.substring(listen.lastIndexOf(':') + 1));
    }

    void closeServer() {
        open.remove(server);
        server.close();
    }

    @Override
    public void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }
}
