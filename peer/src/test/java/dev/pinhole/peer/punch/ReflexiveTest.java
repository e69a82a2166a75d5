package dev.pinhole.peer.punch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReflexiveTest {
    static InetSocketAddress at(int port) {
        return new InetSocketAddress("198.18.2.2", port);
    }

    @Test
    void aNatThatCountsUpIsPredicted() {
        assertEquals(List.of(at(40004), at(40006), at(40008), at(40010), at(40012), at(40014), at(40016), at(40018)),
                Reflexive.predict(at(40000), at(40002)));
        assertEquals(at(39998), Reflexive.predict(at(40000), at(39999)).get(0), "counting down works too");
    }

    @Test
    void randomPortsAndOtherAddressesAreNotASequence() {
        assertTrue(Reflexive.predict(at(40000), at(51234)).isEmpty());
        assertTrue(Reflexive.predict(at(40000), at(40000)).isEmpty());
        assertTrue(Reflexive.predict(at(40000), new InetSocketAddress("198.18.2.3", 40001)).isEmpty());
        assertEquals(1, Reflexive.predict(at(65530), at(65532)).size(), "never past port 65535");
    }
}
