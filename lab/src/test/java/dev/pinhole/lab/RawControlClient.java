package dev.pinhole.lab;

import dev.pinhole.protocol.ControlCodec;
import dev.pinhole.protocol.ControlMessage;
import dev.pinhole.protocol.JoinCode;
import dev.pinhole.protocol.tls.Identity;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A control connection an attacker would write by hand: the JDK's TLS on a plain socket (so its buffers are
 * heap, not the Netty direct memory the tests measure on the server), frames in and out one by one, and no
 * obligation to read what the rendezvous sends.
 */
final class RawControlClient implements AutoCloseable {
    private final SSLSocket socket;
    private final OutputStream out;
    private final DataInputStream in;

    /** Connects, logs in with {@code code}'s token and reads the Welcome; {@code receiveBuffer} bytes of socket buffer. */
    RawControlClient(JoinCode code, Identity identity, int receiveBuffer) throws Exception {
        this(code, identity, receiveBuffer, true);
    }

    /** Connects and finishes TLS only: the caller sends the Hello it wants to try. */
    static RawControlClient beforeLogin(JoinCode code, Identity identity) throws Exception {
        return new RawControlClient(code, identity, 1 << 16, false);
    }

    private RawControlClient(JoinCode code, Identity identity, int receiveBuffer, boolean login) throws Exception {
        SSLContext tls = tls(identity);
        Socket plain = new Socket();
        plain.setReceiveBufferSize(receiveBuffer);
        plain.connect(new InetSocketAddress(code.host(), code.port()), 5_000);
        socket = (SSLSocket) tls.getSocketFactory().createSocket(plain, code.host(), code.port(), true);
        socket.setSoTimeout(10_000);
        socket.startHandshake();
        out = socket.getOutputStream();
        in = new DataInputStream(socket.getInputStream());
        if (login) {
            send(new ControlMessage.Hello(ControlMessage.VERSION, code.token(), "raw"));
            ControlMessage welcome = read();
            if (!(welcome instanceof ControlMessage.Welcome)) {
                throw new IOException("expected Welcome, got " + welcome);
            }
        }
    }

    /**
     * The JDK's TLS 1.3 with {@code identity}'s key and certificate, trusting any certificate on the other side:
     * what a hand-written client (or a stand-in server) of the tests needs, the rendezvous checking the client's
     * key itself.
     */
    static SSLContext tls(Identity identity) throws Exception {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("me", identity.privateKey(), new char[0], new Certificate[] {identity.certificate()});
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, new char[0]);
        TrustManager anyPeer = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {}

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {}

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        SSLContext tls = SSLContext.getInstance("TLSv1.3");
        tls.init(keyManagers.getKeyManagers(), new TrustManager[] {anyPeer}, null);
        return tls;
    }

    /** {@code u32 length | body}, as FrameEncoder writes it. */
    static byte[] frame(ControlMessage message) {
        ByteBuf body = Unpooled.buffer();
        ControlCodec.encode(message, body);
        byte[] bytes = new byte[4 + body.readableBytes()];
        Unpooled.wrappedBuffer(bytes).setInt(0, body.readableBytes()).setBytes(4, body, body.readableBytes());
        body.release();
        return bytes;
    }

    void send(ControlMessage message) throws IOException {
        out.write(frame(message));
        out.flush();
    }

    /** Writes raw bytes (many frames at once); blocks when the server stops reading, as a flood would. */
    void sendBytes(byte[] frames) throws IOException {
        out.write(frames);
        out.flush();
    }

    ControlMessage read() throws IOException {
        int length = in.readInt();
        byte[] body = new byte[length];
        in.readFully(body);
        return ControlCodec.decode(Unpooled.wrappedBuffer(body));
    }

    void setWriteTimeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    boolean isClosed() {
        return socket.isClosed();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
