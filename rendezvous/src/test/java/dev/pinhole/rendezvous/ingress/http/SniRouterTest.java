package dev.pinhole.rendezvous.ingress.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.protocol.Cidr;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** HTTPS passthrough on EmbeddedChannels, fed a real ClientHello from the JDK's TLS client. */
class SniRouterTest {
    final FakeRoutes routes = new FakeRoutes();
    final List<EmbeddedChannel> streams = routes.streams;
    EmbeddedChannel visitor;

    SniRouterTest() {
        routes.table.put("mypc", new Route("mypc", true, "", List.of()));
    }

    @AfterEach
    void closeAll() {
        if (visitor != null) {
            visitor.finishAndReleaseAll();
        }
        routes.closeAll();
    }

    static byte[] clientHello(String serverName) throws Exception {
        SSLEngine engine = SSLContext.getDefault().createSSLEngine(serverName, 443);
        engine.setUseClientMode(true);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName(serverName)));
        engine.setSSLParameters(parameters);
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(ByteBuffer.allocate(0), out);
        out.flip();
        byte[] hello = new byte[out.remaining()];
        out.get(hello);
        return hello;
    }

    void start(String address) {
        visitor = new EmbeddedChannel(new SniRouter(routes, "pinhole.test", new InetSocketAddress(address, 40000),
                Deadlines.CLIENT_HELLO.toMillis(), FakeRoutes.SPLICED_IDLE));
    }

    byte[] written(EmbeddedChannel channel) {
        visitor.runPendingTasks();
        channel.runPendingTasks();
        ByteBuf all = Unpooled.buffer();
        for (Object msg; (msg = channel.readOutbound()) != null; ) {
            all.writeBytes((ByteBuf) msg);
            ((ByteBuf) msg).release();
        }
        byte[] bytes = ByteBufUtil.getBytes(all);
        all.release();
        return bytes;
    }

    @Test
    void theClientHelloAndEverythingAfterItGoUntouchedToTheNamedService() throws Exception {
        start("203.0.113.7");
        byte[] hello = clientHello("mypc.pinhole.test");
        // Split in two reads: the router must wait for the whole ClientHello.
        visitor.writeInbound(Unpooled.wrappedBuffer(hello, 0, 40));
        assertEquals(0, streams.size());
        visitor.writeInbound(Unpooled.wrappedBuffer(hello, 40, hello.length - 40));
        assertEquals(1, streams.size());
        assertArrayEquals(hello, written(streams.get(0)));
        visitor.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x17, 0x03, 0x03, 0x00, 0x01, 0x42}));
        assertArrayEquals(new byte[] {0x17, 0x03, 0x03, 0x00, 0x01, 0x42}, written(streams.get(0)));
        streams.get(0).writeInbound(Unpooled.wrappedBuffer(new byte[] {0x16, 0x03, 0x03}));
        assertArrayEquals(new byte[] {0x16, 0x03, 0x03}, written(visitor));
    }

    @Test
    void anUnknownNameGetsAnUnrecognizedNameAlert() throws Exception {
        start("203.0.113.7");
        visitor.writeInbound(Unpooled.wrappedBuffer(clientHello("nobody.pinhole.test")));
        assertEquals("15030300020270", ByteBufUtil.hexDump(written(visitor)));
        assertFalse(visitor.isOpen());
        assertEquals(0, streams.size());
    }

    @Test
    void aRefusedAddressGetsAnAccessDeniedAlert() throws Exception {
        routes.table.put("mypc", new Route("mypc", true, "", List.of(Cidr.parse("198.18.0.0/15"))));
        start("203.0.113.7");
        visitor.writeInbound(Unpooled.wrappedBuffer(clientHello("mypc.pinhole.test")));
        assertEquals("15030300020231", ByteBufUtil.hexDump(written(visitor)));
        assertFalse(visitor.isOpen());
    }

    @Test
    void bytesThatAreNotTlsAreRefused() {
        start("203.0.113.7");
        visitor.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\n\r\n", StandardCharsets.US_ASCII));
        assertTrue(written(visitor).length > 0 || !visitor.isOpen());
        assertFalse(visitor.isOpen());
        assertEquals(0, streams.size());
    }
}
