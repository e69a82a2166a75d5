package dev.pinhole.diagnostics;

import dev.pinhole.protocol.stun.StunFormatException;
import dev.pinhole.protocol.stun.StunMessages;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runs the RFC 5780 tests (sections 4.2 to 4.5) from one UDP socket. Each transaction is sent at 0,
 * 200 and 600 ms and given up at 1400 ms: shorter than RFC 8489's 500 ms RTO so a run stays under about
 * four seconds even when the filtering tests (rightly) get no answer, and still paced well below RFC
 * 5780's limit of 10 new transactions per second.
 */
final class StunProber implements AutoCloseable {
    static final int[] SEND_AT_MILLIS = {0, 200, 600};
    static final int GIVE_UP_MILLIS = 1400;
    static final int HAIRPIN_WAIT_MILLIS = 600;

    /** Mapping tests and hairpinning. */
    private final DatagramSocket socket;
    /**
     * Filtering tests get a fresh socket: after the mapping tests have sent to the alternate address, an
     * address-dependent filter would let its answers in and look endpoint-independent.
     */
    private final DatagramSocket filteringSocket;
    private final SecureRandom random = new SecureRandom();

    StunProber(InetSocketAddress firstServer) throws IOException {
        // Bind to the address the route to the server uses, so "local address" is a real one.
        try (DatagramSocket probe = new DatagramSocket()) {
            probe.connect(firstServer);
            socket = new DatagramSocket(new InetSocketAddress(probe.getLocalAddress(), 0));
            filteringSocket = new DatagramSocket(new InetSocketAddress(probe.getLocalAddress(), 0));
        }
    }

    InetSocketAddress local() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    Observations run(List<InetSocketAddress> servers) throws IOException {
        List<String> notes = new ArrayList<>();
        InetSocketAddress primary = servers.get(0);
        StunMessages.BindingResponse first = transact(socket, primary, false, false);
        if (first == null) {
            notes.add("no answer from " + primary + " over UDP: UDP is blocked or the server is down");
            return new Observations(local(), null, null, null, null, null, null, null, null, null, notes);
        }
        InetSocketAddress mappedAltIp = null;
        InetSocketAddress mappedAltBoth = null;
        InetSocketAddress mappedSecond = null;
        Boolean changedBoth = null;
        Boolean changedPort = null;
        InetSocketAddress other = first.otherAddress();
        if (other != null) {
            StunMessages.BindingResponse altIp = transact(socket, new InetSocketAddress(other.getAddress(), primary.getPort()), false, false);
            mappedAltIp = altIp == null ? null : altIp.mapped();
            if (mappedAltIp != null && !mappedAltIp.equals(first.mapped())) {
                StunMessages.BindingResponse altBoth = transact(socket, other, false, false);
                mappedAltBoth = altBoth == null ? null : altBoth.mapped();
            }
            if (transact(filteringSocket, primary, false, false) == null) {
                notes.add("the filtering tests' own Test I got no answer; filtering unknown");
            } else {
                changedBoth = transact(filteringSocket, primary, true, true) != null;
                if (!changedBoth) {
                    changedPort = transact(filteringSocket, primary, false, true) != null;
                }
            }
        } else {
            notes.add(primary + " sends no OTHER-ADDRESS (no RFC 5780): filtering cannot be tested");
            if (servers.size() > 1) {
                StunMessages.BindingResponse second = transact(socket, servers.get(1), false, false);
                mappedSecond = second == null ? null : second.mapped();
            } else {
                notes.add("mapping needs a second server (--server twice) or an RFC 5780 server");
            }
        }
        Boolean hairpin = hairpin(first.mapped());
        List<InetAddress> hops = PathTracer.hops(primary.getAddress());
        if (hops == null) {
            notes.add("tracepath is not installed: a second NAT layer (CGNAT) is only seen by a 100.64.0.0/10 address");
        }
        return new Observations(local(), first.mapped(), other, mappedAltIp, mappedAltBoth, mappedSecond,
                changedBoth, changedPort, hairpin, hops, notes);
    }

    /** One Binding transaction; null when nothing answered in time. */
    StunMessages.BindingResponse transact(DatagramSocket socket, InetSocketAddress server, boolean changeIp, boolean changePort)
            throws IOException {
        byte[] tid = new byte[12];
        random.nextBytes(tid);
        byte[] request = StunMessages.request(tid, changeIp, changePort);
        long start = System.nanoTime();
        int sent = 0;
        byte[] buffer = new byte[1500];
        while (true) {
            long elapsed = (System.nanoTime() - start) / 1_000_000;
            if (sent < SEND_AT_MILLIS.length && elapsed >= SEND_AT_MILLIS[sent]) {
                socket.send(new DatagramPacket(request, request.length, server));
                sent++;
                continue;
            }
            long until = sent < SEND_AT_MILLIS.length ? SEND_AT_MILLIS[sent] : GIVE_UP_MILLIS;
            if (elapsed >= GIVE_UP_MILLIS) {
                return null;
            }
            socket.setSoTimeout((int) Math.max(1, until - elapsed));
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(packet);
            } catch (SocketTimeoutException e) {
                continue;
            }
            try {
                StunMessages.BindingResponse response = StunMessages.parseResponse(packet.getData(), packet.getLength());
                if (Arrays.equals(response.transactionId(), tid)) {
                    return response;
                }
            } catch (StunFormatException ignored) {
                // Late answers to earlier transactions and stray packets are not ours.
            }
        }
    }

    /** RFC 5780 section 4.5: does a packet sent to our own public address come back to us? */
    private Boolean hairpin(InetSocketAddress mapped) throws IOException {
        byte[] tid = new byte[12];
        random.nextBytes(tid);
        byte[] request = StunMessages.request(tid, false, false);
        socket.send(new DatagramPacket(request, request.length, mapped));
        long deadline = System.nanoTime() + HAIRPIN_WAIT_MILLIS * 1_000_000L;
        byte[] buffer = new byte[1500];
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                return false;
            }
            socket.setSoTimeout((int) left);
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(packet);
            } catch (SocketTimeoutException e) {
                return false;
            }
            try {
                if (Arrays.equals(StunMessages.parse(packet.getData(), packet.getLength()).transactionId(), tid)) {
                    return true;
                }
            } catch (StunFormatException ignored) {
                // Not our hairpinned request.
            }
        }
    }

    @Override
    public void close() {
        socket.close();
        filteringSocket.close();
    }
}
