package dev.pinhole.lab;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.peer.cli.PeerCli;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import sun.misc.Signal;

/** {@code peer up} typed as a user types it: many tunnels from one file, reloads, and {@code peer status}. */
class UpCommandTest {
    @TempDir Path dir;

    String home(String name) {
        return dir.resolve(name).toString();
    }

    static String fetch(String listen, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://" + listen + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** Where the connect to {@code name} of this {@code peer up} listens, once it does. */
    static String listening(PeerCommand up, String name) {
        return up.awaitMatch("connect " + name + ": listening on (\\S+) -> '" + name + "'");
    }

    static String status(String home) {
        CommandLine cli = PeerCli.commandLine();
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out));
        assertEquals(0, cli.execute("status", "--home", home));
        return out.toString();
    }

    @Test
    void aFileWithTwoExposesAndAConnectCarriesEachAndStatusShowsEveryTunnel() throws Exception {
        try (Rig rig = new Rig(dir); LocalWebServer web = new LocalWebServer(); LocalWebServer other = new LocalWebServer()) {
            String join = rig.startServerWithStun().joinCode().toString();
            Path a = dir.resolve("a.toml");
            Files.writeString(a, "log_level = \"info\"\n\n[[expose]]\nname = \"alpha\"\nport = " + web.port() + "\n\n"
                    + "[[expose]]\nname = \"beta\"\nport = " + other.port() + "\nhttp = true\n\n"
                    + "[[connect]]\nname = \"gamma\"\nlisten = \"127.0.0.1:0\"\n");
            Path b = dir.resolve("b.toml");
            Files.writeString(b, "[[expose]]\nname = \"gamma\"\nport = " + web.port() + "\n\n"
                    + "[[connect]]\nname = \"alpha\"\nlisten = 0\n\n[[connect]]\nname = \"beta\"\nlisten = 0\n");
            try (PeerCommand upA = new PeerCommand("up", "--config", a.toString(), "--server", join, "--home", home("a"));
                 PeerCommand upB = new PeerCommand("up", "--config", b.toString(), "--server", join, "--home", home("b"))) {
                assertEquals(LocalWebServer.HELLO, fetch(listening(upB, "alpha"), "/hello"));
                assertEquals(LocalWebServer.HELLO, fetch(listening(upB, "beta"), "/hello"));
                assertEquals(LocalWebServer.HELLO, fetch(listening(upA, "gamma"), "/hello"));
                String url = upA.awaitMatch("expose beta: public: (http://\\S+)");
                URI published = URI.create(url);
                try (RawHttp visitor = new RawHttp("127.0.0.1", published.getPort())) {
                    assertEquals(LocalWebServer.HELLO, visitor.get(published.getHost(), "/hello").body());
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> status(home("b")).contains("'beta' with"));
                String shown = status(home("b"));
                assertTrue(shown.startsWith("up (pid " + ProcessHandle.current().pid() + ") via 127.0.0.1:"), shown);
                assertTrue(shown.contains("\n  expose gamma: serves 127.0.0.1:" + web.port() + "\n"), shown);
                assertTrue(shown.matches("(?s).*\n  connect alpha: listens on 127\\.0\\.0\\.1:\\d+\n    session \\p{XDigit}+"
                        + " 'alpha' with sha256:\\S+: (relay|direct) .*"), shown);
                assertTrue(shown.contains("\n  connect beta: listens on 127.0.0.1:"), shown);
            }
        }
    }

    /** Echoes what it reads, one connection at a time; a transfer that outlives a reload is one long conversation. */
    static final class Echo implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 4, InetAddress.getLoopbackAddress());
        private final Thread thread = new Thread(this::serve, "echo");

        Echo() throws Exception {
            thread.start();
        }

        private void serve() {
            try (Socket socket = server.accept(); InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
                in.transferTo(out);
            } catch (Exception closed) {
                // The test is over.
            }
        }

        @Override
        public void close() throws Exception {
            server.close();
            thread.join(5_000);
        }
    }

    static void roundTrip(Socket socket, int chunk) throws Exception {
        byte[] sent = new byte[64 * 1024];
        Arrays.fill(sent, (byte) chunk);
        socket.getOutputStream().write(sent);
        byte[] back = socket.getInputStream().readNBytes(sent.length);
        assertTrue(Arrays.equals(sent, back), "chunk " + chunk + " came back whole");
    }

    @Test
    void aReloadStartsAddedTunnelsStopsRemovedOnesAndAnUntouchedTunnelsTransferGoesOn() throws Exception {
        try (Rig rig = new Rig(dir); Echo echo = new Echo(); LocalWebServer web = new LocalWebServer()) {
            String join = rig.startServer(0).joinCode().toString();
            Path a = dir.resolve("a.toml");
            String alpha = "[[expose]]\nname = \"alpha\"\nport = " + echo.server.getLocalPort() + "\n\n";
            Files.writeString(a, alpha + "[[expose]]\nname = \"beta\"\nport = " + web.port() + "\n");
            Path b = dir.resolve("b.toml");
            String toAlpha = "[[connect]]\nname = \"alpha\"\nlisten = 0\n\n";
            Files.writeString(b, toAlpha + "[[connect]]\nname = \"beta\"\nlisten = 0\n");
            try (PeerCommand upA = new PeerCommand("up", "--config", a.toString(), "--server", join, "--home", home("a"));
                 PeerCommand upB = new PeerCommand("up", "--config", b.toString(), "--server", join, "--home", home("b"))) {
                String beta = listening(upB, "beta");
                assertEquals(LocalWebServer.HELLO, fetch(beta, "/hello"));
                String[] alphaAt = listening(upB, "alpha").split(":");
                try (Socket transfer = new Socket(alphaAt[0], Integer.parseInt(alphaAt[1]))) {
                    roundTrip(transfer, 1);

                    // Both sides drop beta and add gamma, saved as an editor saves: the next poll reloads.
                    Files.writeString(a, alpha + "[[expose]]\nname = \"gamma\"\nport = " + web.port() + "\n");
                    upA.awaitMatch("(reloaded \\S+ \\(the file changed\\): 1 started \\(expose gamma\\), 1 stopped"
                            + " \\(expose beta\\), 0 restarted, 1 unchanged)");
                    roundTrip(transfer, 2);
                    Files.writeString(b, toAlpha + "[[connect]]\nname = \"gamma\"\nlisten = 0\n");
                    upB.awaitMatch("(reloaded \\S+ \\(the file changed\\): 1 started \\(connect gamma\\),"
                            + " 1 stopped \\(connect beta\\), 0 restarted, 1 unchanged)");
                    assertEquals(LocalWebServer.HELLO, fetch(listening(upB, "gamma"), "/hello"));
                    roundTrip(transfer, 3);
                    assertTrue(!rig.server.registry().services().toString().contains("beta"), "beta is no longer exposed");

                    // A file that does not check out changes nothing; the transfer goes on.
                    Files.writeString(a, alpha + "[[expose]]\nname = \"gamma\"\nport = \"" + web.port() + "\"\n");
                    upA.awaitMatch("(not reloaded \\(the file changed\\), the running tunnels stay as they were: \\S+:7:"
                            + " expose.port: \"\\d+\" is a string \\(expected: a whole number\\))");
                    roundTrip(transfer, 4);
                    assertEquals(LocalWebServer.HELLO, fetch(listening(upB, "gamma"), "/hello"));

                    // SIGHUP reloads (the handler peer up installed answers it, in this JVM as in its own process).
                    Files.writeString(b, toAlpha + "[[connect]]\nname = \"gamma\"\nlisten = 0\nrelay_only = true\n");
                    upB.awaitMatch("(reloaded \\S+ \\(the file changed\\): 0 started, 0 stopped, 1 restarted"
                            + " \\(connect gamma\\), 1 unchanged)");
                    if (upB.log().contains("reloads on SIGHUP and when")) {
                        Signal.raise(new Signal("HUP"));
                        upB.awaitMatch("(reloaded \\S+ \\(SIGHUP\\): 0 started, 0 stopped, 0 restarted, 2 unchanged)");
                    }
                    roundTrip(transfer, 5);
                }
                assertEquals(1, count(upA.log(), "expose alpha: session from"), "alpha kept its one session:\n" + upA.log());
            }
        }
    }

    static int count(String text, String what) {
        Matcher m = Pattern.compile(Pattern.quote(what)).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
