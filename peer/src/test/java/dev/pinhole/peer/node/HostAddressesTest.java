package dev.pinhole.peer.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HostAddressesTest {
    static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    @Test
    void usableAddressesOfBothFamiliesIPv4First() throws Exception {
        List<InetAddress> nic = List.of(ip("2001:db8:1::2"), ip("fe80::1%1"), ip("198.19.1.2"), ip("::1"), ip("127.0.0.1"),
                ip("169.254.3.4"), ip("fd00::7"), ip("ff02::1"), ip("0.0.0.0"));
        assertEquals(List.of(new InetSocketAddress("198.19.1.2", 5000), new InetSocketAddress("2001:db8:1::2", 5000),
                new InetSocketAddress("fd00::7", 5000)), HostAddresses.select(nic, 5000));
    }

    @Test
    void aMachineWithManyAddressesOffersAFew() throws Exception {
        List<InetAddress> many = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            many.add(ip("2001:db8:1::" + i));
        }
        many.add(ip("198.19.1.2"));
        List<InetSocketAddress> chosen = HostAddresses.select(many, 5000);
        assertEquals(HostAddresses.MAX, chosen.size());
        assertEquals(new InetSocketAddress("198.19.1.2", 5000), chosen.get(0), "IPv4 first: the LAN case stays cheap");
    }
}
