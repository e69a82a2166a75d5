package dev.pinhole.lab;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP forwarder on loopback between a peer and the rendezvous, which a test can cut the way a NAT that forgets a
 * mapping or a reset link does: {@link #cut()} closes every forwarded connection and stops listening (so reconnects
 * fail) until {@link #reopen()} listens again on the same port. Bounded: a test opens a few connections through it.
 */
final class TcpForwarder implements AutoCloseable {
    private final int target;
    private final int port;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile ServerSocket listener;

    TcpForwarder(int target) throws IOException {
        this.target = target;
        this.listener = listen(0);
        this.port = listener.getLocalPort();
    }

    int port() {
        return port;
    }

    private ServerSocket listen(int on) throws IOException {
        ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), on), 8);
        Thread accepter = new Thread(() -> accept(server), "forwarder accept " + on);
        accepter.setDaemon(true);
        accepter.start();
        return server;
    }

    private void accept(ServerSocket server) {
        while (!server.isClosed()) {
            try {
                Socket inbound = server.accept();
                Socket outbound = new Socket(InetAddress.getLoopbackAddress(), target);
                sockets.add(inbound);
                sockets.add(outbound);
                pump(inbound, outbound);
                pump(outbound, inbound);
            } catch (IOException e) {
                // Closed by cut() or close(); a failed connect to the target drops that one connection only.
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread thread = new Thread(() -> {
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                in.transferTo(out);
            } catch (IOException e) {
                // The other direction or cut() closed the pair.
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "forwarder pump");
        thread.setDaemon(true);
        thread.start();
    }

    /** Closes every forwarded connection (RST-free: a FIN both ways) and refuses new ones. */
    void cut() {
        closeQuietly(listener);
        sockets.forEach(TcpForwarder::closeQuietly);
        sockets.clear();
    }

    /** Listens on the same port again. */
    void reopen() throws IOException {
        listener = listen(port);
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            // Already closed.
        }
    }

    @Override
    public void close() {
        cut();
    }
}
