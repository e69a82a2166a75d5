package dev.pinhole.session;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * The virtual address ranges a {@link PathMux} hands to QUIC: one per mux, so that two muxes of one
 * process can never give the same address to two sessions (the trust managers find a session by its
 * virtual address). All are loopback /16s that never reach the wire: a late packet for a closed session
 * is dropped by the mux (docs/architecture.md, "One session, many paths").
 */
public enum VirtualNet {
    /** The peer's own UDP socket: sessions that may go direct (127.77.x.y). */
    PEER(77),
    /** The connector's relay-only socket, whose codec uses large packets (127.78.x.y). */
    CONNECTOR_RELAY_ONLY(78),
    /** The rendezvous' ingress connector, which reaches exposers over the relay only (127.79.x.y). */
    INGRESS(79);

    /** Port of every virtual address: any fixed value works, 7 (echo) reads as "not a real service". */
    public static final int PORT = 7;

    /** Addresses in one range: 127.N.x.y with x.y from 0.1 to 255.255. */
    public static final int ADDRESSES = 65_535;

    private final int octet;

    VirtualNet(int octet) {
        this.octet = octet;
    }

    /** Second octet of this range's addresses. */
    public int octet() {
        return octet;
    }

    /** Whether {@code address} lies in this range. */
    public boolean contains(InetSocketAddress address) {
        byte[] bytes = address.getAddress() == null ? null : address.getAddress().getAddress();
        return bytes != null && bytes.length == 4 && bytes[0] == 127 && bytes[1] == octet;
    }

    /** The {@code n}th address of this range (1..65535). */
    public InetSocketAddress address(int n) {
        try {
            byte[] ip = {127, (byte) octet, (byte) (n >>> 8), (byte) n};
            return new InetSocketAddress(InetAddress.getByAddress(ip), PORT);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
