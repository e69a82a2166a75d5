package dev.pinhole.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JoinCodeTest {
    private static final String FP = Fingerprint.of(new byte[] {1, 2, 3});

    @Test
    void roundTripsAndNormalisesTheFingerprint() {
        JoinCode code = new JoinCode("rv.example.org", 7000, "pht_0011aabb_s3cr-t_x", FP.toUpperCase().replace("SHA256:", "SHA256:"));
        JoinCode parsed = JoinCode.parse(code.toString());
        assertEquals(code, parsed);
        assertEquals("rv.example.org:7000", parsed.address());
    }

    @Test
    void ipv6HostsAreBracketed() {
        JoinCode code = new JoinCode("::1", 7000, "pht_0011aabb_x", FP);
        assertEquals("[::1]:7000", code.address());
        assertEquals(code, JoinCode.parse(code.toString()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "hello", "https://t@h:1?fp=x", "pinhole://h:7000?fp=sha256:x", "pinhole://t@h?fp=sha256:x",
            "pinhole://t@h:7000", "pinhole://t@h:7000?fp=sha256:tooshort"})
    void malformedCodesAreRefusedWithAClearMessage(String text) {
        var e = assertThrows(IllegalArgumentException.class, () -> JoinCode.parse(text));
        assertTrue(e.getMessage().contains("join code") || e.getMessage().contains("fingerprint"),
                e.getMessage());
    }
}
