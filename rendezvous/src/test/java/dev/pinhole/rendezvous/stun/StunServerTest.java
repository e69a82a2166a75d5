package dev.pinhole.rendezvous.stun;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pinhole.protocol.net.Transport;
import dev.pinhole.protocol.stun.StunMessages;
import io.netty.channel.EventLoopGroup;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The STUN service on loopback, with 127.0.0.2 as its RFC 5780 second address. */
class StunServerTest {
    EventLoopGroup group;
    StunServer server;
    DatagramSocket client;
    final AtomicLong clock = new AtomicLong();

    @BeforeEach
    void start() throws Exception {
        group = Transport.newGroup(1, "stun-test");
        server = new StunServer(new StunServer.Config(InetAddress.getByName("127.0.0.1"), 0,
                InetAddress.getByName("127.0.0.2"), 0), line -> { }, new RateLimiter(20, 3, clock::get)).start(group);
        client = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"));
        client.setSoTimeout(2000);
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    StunMessages.BindingResponse ask(boolean changeIp, boolean changePort, InetSocketAddress[] from) throws Exception {
        byte[] request = StunMessages.request(new byte[12], changeIp, changePort);
        client.send(new DatagramPacket(request, request.length, new InetSocketAddress("127.0.0.1", server.port())));
        DatagramPacket packet = new DatagramPacket(new byte[1500], 1500);
        client.receive(packet);
        from[0] = (InetSocketAddress) packet.getSocketAddress();
        return StunMessages.parseResponse(packet.getData(), packet.getLength());
    }

    @Test
    void answersFromTheSocketTheChangeRequestNames() throws Exception {
        InetSocketAddress[] from = new InetSocketAddress[1];
        StunMessages.BindingResponse plain = ask(false, false, from);
        assertEquals(client.getLocalSocketAddress(), plain.mapped());
        assertEquals(from[0], plain.responseOrigin());
        assertEquals("127.0.0.2", plain.otherAddress().getAddress().getHostAddress());

        StunMessages.BindingResponse both = ask(true, true, from);
        assertEquals(plain.otherAddress(), from[0], "change IP and port: sent from OTHER-ADDRESS");
        assertEquals(from[0], both.responseOrigin());

        ask(false, true, from);
        assertEquals("127.0.0.1", from[0].getAddress().getHostAddress());
        assertEquals(plain.otherAddress().getPort(), from[0].getPort(), "change port only");
    }

    @Test
    void withoutASecondAddressBothPortsAnswerAndNoOtherAddressIsAnnounced() throws Exception {
        StunServer single = new StunServer(new StunServer.Config(InetAddress.getByName("127.0.0.1"), 0, null, 0),
                line -> { }, new RateLimiter(20, 3, clock::get)).start(group);
        try {
            for (int port : new int[] {single.port(), single.altPort()}) {
                byte[] request = StunMessages.request(new byte[12], false, false);
                client.send(new DatagramPacket(request, request.length, new InetSocketAddress("127.0.0.1", port)));
                DatagramPacket packet = new DatagramPacket(new byte[1500], 1500);
                client.receive(packet);
                StunMessages.BindingResponse response = StunMessages.parseResponse(packet.getData(), packet.getLength());
                assertEquals(client.getLocalSocketAddress(), response.mapped());
                assertEquals(null, response.otherAddress());
            }
        } finally {
            single.close();
        }
    }

    @Test
    void malformedPacketsAreDroppedAndCounted() throws Exception {
        byte[] junk = {1, 2, 3};
        client.send(new DatagramPacket(junk, junk.length, new InetSocketAddress("127.0.0.1", server.port())));
        await().atMost(Duration.ofSeconds(5)).until(() -> server.malformed.get() == 1);
        client.setSoTimeout(200);
        assertThrows(SocketTimeoutException.class, () -> client.receive(new DatagramPacket(new byte[1500], 1500)));
    }

    @Test
    void aFloodingSourceIsLimited() throws Exception {
        byte[] request = StunMessages.request(new byte[12], false, false);
        for (int i = 0; i < 5; i++) {
            client.send(new DatagramPacket(request, request.length, new InetSocketAddress("127.0.0.1", server.port())));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> server.requests.get() + server.limited.get() == 5);
        assertEquals(3, server.requests.get(), "burst of 3, no time passes on the injected clock");
        assertEquals(2, server.limited.get());
    }
}
