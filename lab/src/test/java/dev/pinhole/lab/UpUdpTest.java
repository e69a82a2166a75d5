package dev.pinhole.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code peer up} with a name that carries TCP and UDP on one port, and a TCP and a UDP connect listening on the same
 * HOST:PORT (docs/udp.md, "In peer up"): different protocols, so no clash, and each carries its own.
 */
class UpUdpTest {
    @TempDir Path dir;

    /** A port free for both TCP and UDP on 127.0.0.1 right now. */
    static int freeForBoth() throws Exception {
        for (int attempt = 0; attempt < 20; attempt++) {
            try (ServerSocket tcp = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                int port = tcp.getLocalPort();
                try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress("127.0.0.1", port))) {
                    return port;
                } catch (SocketException taken) {
                    // try another
                }
            }
        }
        throw new IllegalStateException("no port free for both TCP and UDP in 20 tries");
    }

    @Test
    void aTcpAndAUdpConnectOnOneListenAddressEachCarryTheirOwnProtocol() throws Exception {
        try (Rig rig = new Rig(dir); LocalWebServer web = new LocalWebServer(); UdpServices services = new UdpServices()) {
            String join = rig.startServerWithStun().joinCode().toString();
            services.echo(web.port());
            int listen = freeForBoth();
            Path a = dir.resolve("a.toml");
            Files.writeString(a, "[[expose]]\nname = \"craft\"\nport = " + web.port() + "\ntcp = true\nudp = true\n");
            Path b = dir.resolve("b.toml");
            Files.writeString(b, "[[connect]]\nname = \"craft\"\nlisten = \"127.0.0.1:" + listen + "\"\n\n"
                    + "[[connect]]\nname = \"craft\"\nlisten = \"127.0.0.1:" + listen + "\"\nudp = true\n");
            try (PeerCommand upA = new PeerCommand("up", "--config", a.toString(), "--server", join, "--home",
                    dir.resolve("a").toString());
                 PeerCommand upB = new PeerCommand("up", "--config", b.toString(), "--server", join, "--home",
                         dir.resolve("b").toString())) {
                upA.awaitMatch("(exposing)");
                upB.awaitMatch("connect craft on 127.0.0.1:" + listen + ": (listening) on");
                upB.awaitMatch("connect craft udp on 127.0.0.1:" + listen + ": (listening) on");
                assertEquals(LocalWebServer.HELLO, UpCommandTest.fetch("127.0.0.1:" + listen, "/hello"));
                assertEquals(20, UdpTunnelTest.echoed(new InetSocketAddress("127.0.0.1", listen), 20, 500, 20), upB.log());
            }
        }
    }
}
