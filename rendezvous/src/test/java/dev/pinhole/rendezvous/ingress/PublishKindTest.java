package dev.pinhole.rendezvous.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.pinhole.protocol.Carries;
import dev.pinhole.protocol.ControlMessage.Publish.Kind;
import org.junit.jupiter.api.Test;

/** A Publish must ask for what the service carries (docs/udp.md, "Public UDP ports"): refused at once, saying why. */
class PublishKindTest {
    @Test
    void udpPortsNeedUdpAndEveryOtherKindNeedsTcp() {
        for (Kind kind : Kind.values()) {
            assertNull(Publisher.kindMismatch("game", Carries.TCP_AND_UDP, kind), kind.name());
        }
        assertNull(Publisher.kindMismatch("game", Carries.UDP, Kind.UDP));
        assertNull(Publisher.kindMismatch("web", Carries.TCP, Kind.HTTP));
        assertEquals("'game' carries UDP only, so it cannot be published over a public TCP port: its exposer must add --tcp",
                Publisher.kindMismatch("game", Carries.UDP, Kind.TCP));
        assertEquals("'game' carries UDP only, so it cannot be published over HTTP: its exposer must add --tcp",
                Publisher.kindMismatch("game", Carries.UDP, Kind.HTTP));
        assertEquals("'game' carries UDP only, so it cannot be published over HTTPS: its exposer must add --tcp",
                Publisher.kindMismatch("game", Carries.UDP, Kind.HTTPS));
        assertEquals("'web' carries TCP only, so it cannot be published over a public UDP port: its exposer must add --udp",
                Publisher.kindMismatch("web", Carries.TCP, Kind.UDP));
    }
}
