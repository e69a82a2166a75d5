package dev.pinhole.diagnostics;

import dev.pinhole.protocol.stun.StunFormatException;
import dev.pinhole.protocol.stun.StunMessages;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/** A plain RFC 8489 STUN server on loopback (one address, so no RFC 5780) for tests; it answers until closed. */
final class LoopbackStunServer implements AutoCloseable {
    private final DatagramSocket socket;
    private final Thread thread;
    final AtomicInteger answered = new AtomicInteger();

    LoopbackStunServer() throws IOException {
        socket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        thread = new Thread(this::serve, "loopback-stun");
        thread.setDaemon(true);
        thread.start();
    }

    int port() {
        return socket.getLocalPort();
    }

    private void serve() {
        byte[] buffer = new byte[1500];
        while (!socket.isClosed()) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(packet);
                StunMessages.BindingRequest request = StunMessages.parse(packet.getData(), packet.getLength());
                if (request.changeIp() || request.changePort()) {
                    continue; // one address: it cannot answer from another, as RFC 5780 section 6.1 says
                }
                byte[] response = StunMessages.success(request, (InetSocketAddress) packet.getSocketAddress(),
                        (InetSocketAddress) socket.getLocalSocketAddress(), null);
                socket.send(new DatagramPacket(response, response.length, packet.getSocketAddress()));
                answered.incrementAndGet();
            } catch (StunFormatException e) {
                // Not STUN: dropped, as the real server does.
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        socket.close();
        thread.join(5_000);
    }
}
