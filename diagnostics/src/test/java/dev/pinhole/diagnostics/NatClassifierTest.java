package dev.pinhole.diagnostics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RFC 5780 observations to RFC 4787 verdicts: one row per NAT the lab builds, plus the edge cases. */
class NatClassifierTest {
    static final InetSocketAddress LOCAL = new InetSocketAddress("198.19.1.2", 40000);
    static final InetSocketAddress MAPPED = new InetSocketAddress("198.18.1.2", 40000);
    static final InetSocketAddress OTHER = new InetSocketAddress("203.0.113.11", 3479);

    static InetSocketAddress mapped(int port) {
        return new InetSocketAddress("198.18.1.2", port);
    }

    static Observations seen(InetSocketAddress local, InetSocketAddress m1, InetSocketAddress m2, InetSocketAddress m3,
                             Boolean both, Boolean port) {
        return new Observations(local, m1, OTHER, m2, m3, null, both, port, false, null, List.of());
    }

    @Test
    void fullCone() {
        NatReport r = NatClassifier.classify(seen(LOCAL, MAPPED, MAPPED, null, true, null));
        assertEquals(List.of("endpoint-independent", "endpoint-independent", "full-cone"), List.of(r.mapping(), r.filtering(), r.natType()));
        assertTrue(r.portPreserved());
    }

    @Test
    void restrictedCone() {
        NatReport r = NatClassifier.classify(seen(LOCAL, MAPPED, MAPPED, null, false, true));
        assertEquals(List.of("endpoint-independent", "address-dependent", "restricted-cone"), List.of(r.mapping(), r.filtering(), r.natType()));
    }

    @Test
    void portRestrictedCone() {
        NatReport r = NatClassifier.classify(seen(LOCAL, MAPPED, MAPPED, null, false, false));
        assertEquals("port-restricted-cone", r.natType());
        assertEquals(NatClassifier.ALL_TYPES, r.directWith());
    }

    @Test
    void symmetricWithRandomPortsCannotGoDirectToAnotherSymmetric() {
        NatReport r = NatClassifier.classify(seen(LOCAL, mapped(1111), mapped(2222), mapped(3333), false, false));
        assertEquals(List.of("address-and-port-dependent", "symmetric"), List.of(r.mapping(), r.natType()));
        assertEquals(List.of("open", "full-cone", "restricted-cone", "port-restricted-cone"), r.directWith());
        assertEquals(false, r.portPreserved());
    }

    @Test
    void addressDependentMapping() {
        NatReport r = NatClassifier.classify(seen(LOCAL, mapped(1111), mapped(2222), mapped(2222), false, false));
        assertEquals(List.of("address-dependent", "symmetric"), List.of(r.mapping(), r.natType()));
    }

    @Test
    void noNatIsOpen() {
        NatReport r = NatClassifier.classify(seen(MAPPED, MAPPED, MAPPED, null, true, null));
        assertEquals(List.of("none", "open"), List.of(r.mapping(), r.natType()));
    }

    @Test
    void noAnswerMeansUdpBlocked() {
        NatReport r = NatClassifier.classify(new Observations(LOCAL, null, null, null, null, null, null, null, null, null, List.of("x")));
        assertEquals(false, r.udp());
        assertEquals("udp-blocked", r.natType());
        assertEquals(List.of(), r.directWith());
    }

    @Test
    void carrierGradeNatAddressesAreFlagged() {
        InetSocketAddress carrier = new InetSocketAddress("100.64.7.2", 40000);
        assertTrue(NatClassifier.classify(seen(carrier, MAPPED, MAPPED, null, false, false)).cgnatSuspected());
        assertTrue(NatClassifier.inCarrierRange(new InetSocketAddress("100.127.255.1", 1)));
        assertEquals(false, NatClassifier.inCarrierRange(new InetSocketAddress("100.128.0.1", 1)));
    }

    @Test
    void withoutRfc5780TwoServersStillTellWhetherMappingVariesByDestination() {
        Observations o = new Observations(LOCAL, MAPPED, null, null, null, mapped(5555), null, null, false, null,
                List.of("no OTHER-ADDRESS"));
        NatReport r = NatClassifier.classify(o);
        assertEquals(List.of("address-and-port-dependent", "unknown", "symmetric"), List.of(r.mapping(), r.filtering(), r.natType()));
        assertEquals(List.of("no OTHER-ADDRESS"), r.notes());
    }

    @Test
    void aCarrierHopBehindTheHomeRouterMeansCgnat() throws Exception {
        String traced = String.join("\n",
                " 1?: [LOCALHOST]                      pmtu 1500",
                " 1:  198.19.1.1                                            0.078ms ",
                " 1:  198.19.1.1                                            0.012ms ",
                " 2:  100.64.1.1                                            0.038ms ",
                " 3:  198.18.1.1                                            0.089ms ",
                " 4:  203.0.113.10                                          0.038ms reached", "");
        var hops = PathTracer.parse(traced);
        assertEquals(4, hops.size());
        Observations o = new Observations(LOCAL, mapped(1111), OTHER, mapped(2222), mapped(3333), null, false, false,
                false, hops, List.of());
        NatReport r = NatClassifier.classify(o);
        assertTrue(r.cgnatSuspected());
        assertTrue(r.notes().get(0).startsWith("hop 2 is 100.64.1.1"), r.notes().toString());
        Observations home = new Observations(LOCAL, MAPPED, OTHER, MAPPED, null, null, false, false, false,
                List.of(hops.get(0), hops.get(2), hops.get(3)), List.of());
        assertEquals(false, NatClassifier.classify(home).cgnatSuspected());
    }

    @Test
    void textReportReadsAtAGlance() {
        String text = TextReport.render(NatClassifier.classify(seen(LOCAL, MAPPED, MAPPED, null, false, false)));
        assertTrue(text.contains("NAT type:           port-restricted-cone"), text);
        assertTrue(text.contains("Public address:     198.18.1.2:40000 (port preserved)"), text);
    }
}
