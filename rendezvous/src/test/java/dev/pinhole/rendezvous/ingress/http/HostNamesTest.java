package dev.pinhole.rendezvous.ingress.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class HostNamesTest {
    /** Host header or SNI name, and the service it names under pinhole.test (null: none). */
    static Stream<List<String>> hosts() {
        return Stream.of(
                Arrays.asList("mypc.pinhole.test", "mypc"),
                Arrays.asList("MyPC.Pinhole.Test:8080", "mypc"),
                Arrays.asList("mypc.pinhole.test.", "mypc"),
                Arrays.asList("mypc.pinhole.test.:80", "mypc"),
                Arrays.asList("pinhole.test", null),
                Arrays.asList("a.b.pinhole.test", null),
                Arrays.asList("mypc.other.test", null),
                Arrays.asList("mypcpinhole.test", null),
                Arrays.asList("-bad.pinhole.test", null),
                Arrays.asList("mypc.pinhole.test:http", null),
                Arrays.asList("[::1]:80", null),
                Arrays.asList("", null),
                Arrays.asList(null, null));
    }

    @ParameterizedTest
    @MethodSource("hosts")
    void namesOneServiceOnlyWhenItIsOneLabelUnderTheDomain(List<String> c) {
        assertEquals(c.get(1), HostNames.serviceName(c.get(0), "pinhole.test"), String.valueOf(c.get(0)));
    }

    @ParameterizedTest
    @MethodSource("hosts")
    void printableNeverCarriesControlCharacters(List<String> c) {
        String shown = HostNames.printable(c.get(0) == null ? null : c.get(0) + "\r\n\u0007" + "x".repeat(200));
        assertEquals(-1, shown.indexOf('\r'));
        assertEquals(true, shown.length() <= 101);
    }
}
