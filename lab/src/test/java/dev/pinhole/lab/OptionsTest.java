package dev.pinhole.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.diagnostics.DiagnosticsCli;
import dev.pinhole.peer.cli.PeerCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Every option of {@code peer expose} and {@code peer connect} does what its help says, typed as a user types it
 * (picocli on the real CLI), against a real rendezvous and service; docs/security.md, "Options".
 */
class OptionsTest {
    @TempDir Path dir;

    String home(String name) {
        return dir.resolve(name).toString();
    }

    static String get(String url) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void exposeHostReachesAServiceListeningOnlyOnThatAddress() throws Exception {
        try (Rig rig = new Rig(dir); LocalWebServer web = new LocalWebServer("127.0.0.2")) {
            String join = rig.startServer(0).joinCode().toString();
            try (PeerCommand expose = new PeerCommand("expose", String.valueOf(web.port()), "--name", "web",
                    "--host", "127.0.0.2", "--server", join, "--home", home("a"))) {
                // Registered before the connector asks for the name (a connect to an unknown name gives up at once).
                assertEquals("127.0.0.2:" + web.port(), expose.awaitMatch("exposing (\\S+) as 'web'"));
                try (PeerCommand connect = new PeerCommand("connect", "web", "--listen", "127.0.0.1:0", "--json",
                        "--server", join, "--home", home("b"))) {
                    String listen = connect.awaitMatch("\"event\":\"ready\",\"listen\":\"([^\"]+)\"");
                    assertEquals(LocalWebServer.HELLO, get("http://" + listen + "/hello"));
                }
            }
        }
    }

    @Test
    void hostHeaderRewriteGetsPastAServiceThatChecksItsHost() throws Exception {
        try (Rig rig = new Rig(dir); LocalWebServer web = new LocalWebServer("127.0.0.2")) {
            String join = rig.startServerWithStun().joinCode().toString();
            try (PeerCommand expose = new PeerCommand("expose", String.valueOf(web.port()), "--name", "dev", "--http",
                    "--host", "127.0.0.2", "--host-header", "rewrite", "--server", join, "--home", home("a"))) {
                URI url = URI.create(expose.awaitMatch("public: (http://\\S+)"));
                try (RawHttp visitor = new RawHttp("127.0.0.1", url.getPort())) {
                    RawHttp.Response response = visitor.get(url.getAuthority(), "/own-host-only");
                    assertEquals(200, response.status(), response.body() + "\n" + expose.log());
                    assertEquals("served 127.0.0.2:" + web.port(), response.body());
                }
            }
        }
    }

    @Test
    void aConnectorLearnsThatTheExposerIsRelayOnlyAndDoesNotTryToPunch() throws Exception {
        try (Rig rig = new Rig(dir); LocalWebServer web = new LocalWebServer()) {
            String join = rig.startServerWithStun().joinCode().toString();
            try (PeerCommand expose = new PeerCommand("expose", String.valueOf(web.port()), "--name", "web",
                    "--relay-only", "--server", join, "--home", home("a"))) {
                expose.awaitMatch("(exposing)");
                try (PeerCommand connector = new PeerCommand("connect", "web", "--listen", "127.0.0.1:0", "--json",
                        "--server", join, "--home", home("b"))) {
                    String listen = connector.awaitMatch("\"event\":\"ready\",\"listen\":\"([^\"]+)\"");
                    String path = connector.awaitMatch("(\"event\":\"path\".*)");
                    assertTrue(path.contains("\"path\":\"relay\"") && path.contains("\"reason\":\"the exposer runs --relay-only\""),
                            path);
                    assertEquals(LocalWebServer.HELLO, get("http://" + listen + "/hello"));
                }
            }
        }
    }

    @Test
    void diagnosticsFindsTheRendezvousStunOnWhateverPortItRuns() throws Exception {
        try (Rig rig = new Rig(dir)) {
            String join = rig.startServerWithStun().joinCode().toString();
            assertTrue(peer("login", join, "--home", home("a")).exit() == 0);
            try (PeerCommand expose = new PeerCommand("expose", "8080", "--name", "web", "--home", home("a"))) {
                expose.awaitMatch("(exposing)");
            }
            StringWriter out = new StringWriter();
            CommandLine diagnostics = new CommandLine(new DiagnosticsCli());
            diagnostics.setOut(new PrintWriter(out, true));
            diagnostics.setErr(new PrintWriter(out, true));
            int exit = diagnostics.execute("nat-type", "--home", home("a"), "--json");
            assertEquals(0, exit, out.toString());
            assertTrue(out.toString().contains("\"udp\":true"), out.toString());
        }
    }

    static BadInputTest.Run peer(String... args) {
        StringWriter out = new StringWriter();
        CommandLine cli = PeerCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        return new BadInputTest.Run(cli.execute(args), out.toString(), out.toString());
    }
}
