package dev.pinhole.lab;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A TCP service on loopback that reads what it is sent, keeps it, and never answers: behind an HTTPS
 * passthrough it stands for a TLS service that has gone quiet, so only the rendezvous' idle limit ends the pair.
 */
final class SilentService implements AutoCloseable {
    /** More than a ClientHello and what follows it in these tests; a bound on what is kept. */
    static final int MAX_KEPT = 64 * 1024;

    private final ServerSocket server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();

    SilentService() throws IOException {
        threads.execute(this::accept);
    }

    int port() {
        return server.getLocalPort();
    }

    /** Every byte received so far, from all connections. */
    byte[] received() {
        synchronized (received) {
            return received.toByteArray();
        }
    }

    private void accept() {
        try {
            while (!server.isClosed()) {
                Socket socket = server.accept();
                accepted.add(socket);
                threads.execute(() -> read(socket));
            }
        } catch (IOException closed) {
            // close() ends the loop
        }
    }

    private void read(Socket socket) {
        byte[] buffer = new byte[4096];
        try (InputStream in = socket.getInputStream()) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                synchronized (received) {
                    received.write(buffer, 0, Math.min(n, Math.max(0, MAX_KEPT - received.size())));
                }
            }
        } catch (IOException closed) {
            // the rendezvous closed the stream's connection
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : accepted) {
            socket.close();
        }
        threads.shutdownNow();
    }
}
