package dev.pinhole.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.peer.cli.PeerCli;
import dev.pinhole.protocol.ControlCodec;
import dev.pinhole.protocol.ControlMessage;
import dev.pinhole.protocol.ControlMessage.Error;
import dev.pinhole.protocol.ControlMessage.Hello;
import dev.pinhole.protocol.ErrorCode;
import dev.pinhole.protocol.JoinCode;
import dev.pinhole.protocol.home.PeerHome;
import dev.pinhole.protocol.tls.Identity;
import io.netty.buffer.Unpooled;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLServerSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A peer and a rendezvous of different control protocol versions, over real TLS on loopback (docs/architecture.md,
 * "Control protocol"): the one refused hears both versions named at login, and a peer told so prints it and exits
 * instead of retrying.
 */
class ProtocolVersionTest {
    static final String SUPPORTED_MESSAGE = "protocol version %d is not supported (expected: %d); use a matching"
            + " pinhole release";

    @TempDir Path dir;

    @Test
    void aVersionOnePeerIsRefusedAtLoginWithBothVersionsNamedAndACurrentOneStillLogsIn() throws Exception {
        try (Rig rig = new Rig(dir)) {
            JoinCode code = rig.startServer(0).joinCode();
            try (RawControlClient old = RawControlClient.beforeLogin(code, Identity.generate("old"))) {
                old.send(new Hello(1, code.token(), "pinhole-peer/0.9.0"));
                assertEquals(new Error(0, ErrorCode.UNSUPPORTED_VERSION, SUPPORTED_MESSAGE.formatted(1, 2)), old.read());
                assertThrows(IOException.class, old::read, "the connection is closed after the Error");
            }
            assertEquals(0, peer("login", code.toString(), "--home", dir.resolve("current").toString()).code());
        }
    }

    @Test
    void aPeerToldItsVersionIsUnsupportedPrintsWhyAndExitsWithoutRetrying() throws Exception {
        try (OldRendezvous old = new OldRendezvous()) {
            String why = SUPPORTED_MESSAGE.formatted(ControlMessage.VERSION, 1);
            Path home = dir.resolve("peer");

            Run login = peer("login", old.joinCode().toString(), "--home", home.toString());
            assertEquals(2, login.code());
            assertEquals("peer: error: " + why + "; nothing saved\n", login.err());
            assertTrue(new PeerHome(home).server().isEmpty(), "nothing saved");

            try (PeerCommand expose = new PeerCommand("expose", "8080", "--name", "web",
                    "--server", old.joinCode().toString(), "--home", home.toString())) {
                expose.awaitMatch("(exit 2)");
                assertTrue(expose.log().contains(" ERROR " + why + "\n"), expose.log());
            }
            assertEquals(List.of(ControlMessage.VERSION, ControlMessage.VERSION), old.versionsHeard,
                    "one Hello from each command: a refused version is not retried");
        }
    }

    record Run(int code, String out, String err) {}

    static Run peer(String... args) {
        CommandLine cli = PeerCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return new Run(cli.execute(args), out.toString(), err.toString());
    }

    /**
     * A stand-in for a rendezvous of protocol version 1: TLS with a key of its own, then the answer that release gave
     * to any other version, and the connection closed.
     */
    static final class OldRendezvous implements AutoCloseable {
        final Identity identity = Identity.generate("old rendezvous");
        final List<Integer> versionsHeard = new CopyOnWriteArrayList<>();
        private final SSLServerSocket listener;
        private final Thread acceptor;

        OldRendezvous() throws Exception {
            listener = (SSLServerSocket) RawControlClient.tls(identity).getServerSocketFactory()
                    .createServerSocket(0, 8, InetAddress.getLoopbackAddress());
            listener.setNeedClientAuth(true);
            acceptor = new Thread(this::serve, "old rendezvous");
            acceptor.start();
        }

        JoinCode joinCode() {
            return new JoinCode("127.0.0.1", listener.getLocalPort(), "pht_00000000_" + "x".repeat(43),
                    identity.certificateFingerprint());
        }

        private void serve() {
            while (!listener.isClosed()) {
                try (Socket peer = listener.accept()) {
                    peer.setSoTimeout(10_000);
                    DataInputStream in = new DataInputStream(peer.getInputStream());
                    byte[] body = new byte[in.readInt()];
                    in.readFully(body);
                    Hello hello = (Hello) ControlCodec.decode(Unpooled.wrappedBuffer(body));
                    versionsHeard.add(hello.version());
                    peer.getOutputStream().write(RawControlClient.frame(
                            new Error(0, ErrorCode.UNSUPPORTED_VERSION, SUPPORTED_MESSAGE.formatted(hello.version(), 1))));
                    peer.getOutputStream().flush();
                } catch (IOException | RuntimeException e) {
                    // A closed listener ends the loop; a peer that went away is the next one's turn.
                }
            }
        }

        @Override
        public void close() throws Exception {
            listener.close();
            acceptor.join(10_000);
        }
    }
}
