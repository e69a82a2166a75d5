package dev.pinhole.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class CidrTest {
    /** block, address, inside? */
    static Stream<List<Object>> membership() {
        return Stream.of(
                List.of("203.0.113.0/24", "203.0.113.77", true),
                List.of("203.0.113.0/24", "203.0.114.1", false),
                List.of("203.0.113.77/24", "203.0.113.1", true),
                List.of("198.18.0.0/15", "198.19.255.255", true),
                List.of("198.18.0.0/15", "198.20.0.0", false),
                List.of("203.0.113.5", "203.0.113.5", true),
                List.of("203.0.113.5", "203.0.113.6", false),
                List.of("0.0.0.0/0", "8.8.8.8", true),
                List.of("127.0.0.1/32", "::ffff:127.0.0.1", true),
                List.of("2001:db8::/32", "2001:db8:ffff::1", true),
                List.of("2001:db8::/32", "2001:db9::1", false),
                List.of("2001:db8::/32", "203.0.113.1", false),
                List.of("203.0.113.0/24", "2001:db8::1", false),
                List.of("203.0.113.0/25", "203.0.113.128", false));
    }

    @ParameterizedTest
    @MethodSource("membership")
    void containsExactlyTheAddressesOfItsBlock(List<Object> c) throws Exception {
        assertEquals(c.get(2), Cidr.parse((String) c.get(0)).contains(InetAddress.getByName((String) c.get(1))),
                c.get(0) + " contains " + c.get(1));
    }

    static Stream<List<String>> bad() {
        return Stream.of(
                List.of("", "address block '' (expected: an IP address, optionally /PREFIX, e.g. 203.0.113.0/24)"),
                List.of("example.org", "address block 'example.org' (expected: an IP address, optionally /PREFIX, e.g. 203.0.113.0/24)"),
                List.of("203.0.113/24", "address block '203.0.113/24' (expected: an IP address, optionally /PREFIX, e.g. 203.0.113.0/24)"),
                List.of("203.0.113.0/33", "prefix of '203.0.113.0/33' (expected: 0..32)"),
                List.of("203.0.113.0/", "prefix of '203.0.113.0/' (expected: 0..32)"),
                List.of("203.0.113.0/-1", "prefix of '203.0.113.0/-1' (expected: 0..32)"),
                List.of("2001:db8::/129", "prefix of '2001:db8::/129' (expected: 0..128)"));
    }

    @ParameterizedTest
    @MethodSource("bad")
    void refusesAnythingButALiteralBlock(List<String> c) {
        assertEquals(c.get(1), assertThrows(IllegalArgumentException.class, () -> Cidr.parse(c.get(0))).getMessage());
    }

    @ParameterizedTest
    @MethodSource("membership")
    void printsItsCanonicalFormWhichParsesBackToItself(List<Object> c) {
        Cidr cidr = Cidr.parse((String) c.get(0));
        assertEquals(cidr, Cidr.parse(cidr.toString()));
    }
}
