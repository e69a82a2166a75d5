package dev.pinhole.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The release archive works on its own: unpacked in an empty directory away from the source tree, its
 * launchers run the rendezvous, {@code peer login}, {@code peer up} (on the archive's example tunnels file, as the
 * service unit runs it) and {@code peer connect} as separate processes on loopback, with nothing but a Java runtime, and a page is fetched through the tunnel.
 */
class ArchiveRunTest {
    static final String PAGE = "served from behind the tunnel\n";

    @TempDir Path scratch;

    /** The service a user publishes: a real HTTP server on loopback. */
    static HttpServer webServer() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.createContext("/", exchange -> {
            byte[] body = PAGE.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return server;
    }

    @Test
    void rendezvousPeerUpAndConnectRunFromTheUnpackedArchiveAndCarryAPage() throws Exception {
        try (UnpackedArchive dist = UnpackedArchive.unpack(scratch)) {
            rendezvousPeerUpAndConnectCarryAPage(dist, dist.javaOnlyEnvironment());
        }
    }

    @Test
    void theSelfContainedArchiveRunsWhereNoJavaIsInstalled() throws Exception {
        Path archive = UnpackedArchive.selfContained();
        try (UnpackedArchive dist = UnpackedArchive.unpack(archive, scratch)) {
            // No JAVA_HOME, and a PATH with nothing on it: only the archive's own runtime can run.
            Path emptyPath = Files.createDirectories(scratch.resolve("empty-path"));
            rendezvousPeerUpAndConnectCarryAPage(dist, Map.of("PATH", emptyPath.toString(), "HOME", scratch.toString()));
        }
    }

    void rendezvousPeerUpAndConnectCarryAPage(UnpackedArchive dist, Map<String, String> env) throws Exception {
        HttpServer web = webServer();
        try {
            Path rvLog = scratch.resolve("rendezvous.log");
            dist.start(rvLog, env, "rendezvous", "--data-dir", scratch.resolve("rv").toString(),
                    "--bind", "127.0.0.1", "--port", "0", "--public-host", "127.0.0.1",
                    "--stun-port", "0", "--dashboard", "127.0.0.1:0");
            String join = UnpackedArchive.awaitMatch(rvLog, "(pinhole://\\S+)");

            Path exposerHome = scratch.resolve("exposer");
            Path loginLog = scratch.resolve("login.log");
            assertEquals(0, dist.run(loginLog, env, "peer", "login", join, "--home", exposerHome.toString()),
                    UnpackedArchive.read(loginLog));

            // The exposer runs as the service unit does: 'peer up' on the archive's example file, its tunnel pointed
            // at the web server (the example's other entries are comments).
            String example = Files.readString(dist.root.resolve("systemd/pinhole.toml"));
            assertTrue(example.contains("name = \"nas-ssh\"\nport = 22\n"), example);
            Path config = scratch.resolve("pinhole.toml");
            Files.writeString(config, example.replace("name = \"nas-ssh\"\nport = 22\n",
                    "name = \"web\"\nport = " + web.getAddress().getPort() + "\n"));
            Path exposeLog = scratch.resolve("expose.log");
            dist.start(exposeLog, env, "peer", "up", "--config", config.toString(), "--home", exposerHome.toString());
            String key = UnpackedArchive.awaitMatch(exposeLog, "key: (sha256:\\S+)");

            Path connectLog = scratch.resolve("connect.log");
            dist.start(connectLog, env, "peer", "connect", "web", "--expect-key", key, "--json", "--server", join,
                    "--home", scratch.resolve("connector").toString());
            String listen = UnpackedArchive.awaitMatch(connectLog, "\"event\":\"ready\",\"listen\":\"([^\"]+)\"");

            HttpResponse<String> response = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://" + listen + "/")).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode());
            assertEquals(PAGE, response.body());
        } finally {
            web.stop(0);
        }
    }

    @Test
    void diagnosticsRunsFromTheUnpackedArchive() throws Exception {
        try (UnpackedArchive dist = UnpackedArchive.unpack(scratch)) {
            Path log = scratch.resolve("diagnostics.log");
            assertEquals(0, dist.run(log, dist.javaOnlyEnvironment(), "diagnostics", "--help"), UnpackedArchive.read(log));
            assertTrue(UnpackedArchive.read(log).contains("nat-type"), UnpackedArchive.read(log));
        }
    }

    @Test
    void aLauncherReachedThroughASymlinkFindsItsArchive() throws Exception {
        try (UnpackedArchive dist = UnpackedArchive.unpack(scratch)) {
            // As after 'ln -s /opt/pinhole/bin/peer /usr/local/bin/peer' (docs/install.md).
            Path links = Files.createDirectories(scratch.resolve("usr-local-bin"));
            Files.createSymbolicLink(links.resolve("peer"), dist.root.resolve("bin/peer"));
            Path log = scratch.resolve("symlink.log");
            assertEquals(0, dist.run(log, dist.javaOnlyEnvironment(), links.resolve("peer"), "--version"),
                    UnpackedArchive.read(log));
            assertTrue(UnpackedArchive.read(log).startsWith("pinhole " + UnpackedArchive.version()), UnpackedArchive.read(log));
        }
    }
}
