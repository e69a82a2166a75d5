package dev.pinhole.peer.punch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.peer.punch.SimNat.Allocation;
import dev.pinhole.peer.punch.SimNat.Filtering;
import dev.pinhole.peer.punch.SimNat.Mapping;
import dev.pinhole.protocol.punch.Probe.Role;
import java.net.InetAddress;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The NAT matrix without root: the lab's 21 pairs of NAT types (NatLabPunchTest in the lab module, which builds them
 * in network namespaces) and NATs the lab cannot build, between two real {@link Punch}es and their STUN clients on a
 * {@link SimNet} (docs/lab.md, "The simulated lab"). Expose in site A, connect from site B, 10 and 15 ms from the
 * rendezvous (a 50 ms round trip between the sites); the session is opened 1 s after login and watched for a minute
 * of virtual time: its path, and how long after opening both sides were direct.
 */
class PunchMatrixTest {
    static final long UPLINK_A_MILLIS = 10;
    static final long UPLINK_B_MILLIS = 15;

    final SimNet net = new SimNet();
    SimPeer exposer;
    SimPeer connector;

    @AfterEach
    void close() {
        for (SimPeer peer : new SimPeer[] {exposer, connector}) {
            if (peer != null) {
                peer.close();
            }
        }
        net.close();
    }

    /**
     * Bounds: 150 ms where the first pings get through (two round trips: candidates, then a ping and its pong); 3 s
     * where the easy side must guess a port among the hard side's 256 (98 % of such rounds, docs/direct-paths.md).
     */
    @ParameterizedTest(name = "{0} exposes, {1} connects: {2}")
    @CsvSource({
        // The lab's matrix: direct wherever one side has endpoint-independent mapping.
        "none, none, direct, 150", "none, full-cone, direct, 150", "none, restricted-cone, direct, 150",
        "none, port-restricted, direct, 150", "none, symmetric, direct, 150", "none, cgnat, direct, 150",
        "full-cone, full-cone, direct, 150", "full-cone, restricted-cone, direct, 150",
        "full-cone, port-restricted, direct, 150", "full-cone, symmetric, direct, 150", "full-cone, cgnat, direct, 150",
        "restricted-cone, restricted-cone, direct, 150", "restricted-cone, port-restricted, direct, 150",
        "restricted-cone, symmetric, direct, 150", "restricted-cone, cgnat, direct, 150",
        "port-restricted, port-restricted, direct, 150", "port-restricted, symmetric, direct, 3000",
        "port-restricted, cgnat, direct, 3000",
        "symmetric, symmetric, relay,", "symmetric, cgnat, relay,", "cgnat, cgnat, relay,",
        // Sequential ports, which nftables cannot build: the predicted ports are right, and against a port-restricted
        // NAT the first ping to one gets through, no guessing needed. Two such NATs do not meet (see below).
        "none, symmetric-sequential, direct, 150", "full-cone, symmetric-sequential, direct, 150",
        "restricted-cone, symmetric-sequential, direct, 150", "port-restricted, symmetric-sequential, direct, 150",
        "port-restricted, cgnat-sequential, direct, 150", "symmetric-sequential, symmetric, relay,",
        "symmetric-sequential, symmetric-sequential, relay,", "cgnat-sequential, cgnat-sequential, relay,",
        // Address-dependent mapping looks easy to two STUN ports on one address, so nobody guesses its ports:
        // a port-restricted NAT never lets its pings in.
        "none, address-dependent, direct, 150", "restricted-cone, address-dependent, direct, 150",
        "port-restricted, address-dependent, relay,", "address-dependent, address-dependent, relay,"})
    void theSessionEndsUpOnTheExpectedPathInTime(String exposerKind, String connectorKind, String expected,
                                                 Long withinMillis) {
        long toDirect = punch(exposerKind, connectorKind, true);
        if (expected.equals("direct")) {
            assertDirectWithin(withinMillis, toDirect);
        } else {
            assertEquals(List.of(), exposer.paths, this::paths);
            assertEquals(List.of(), connector.paths, this::paths);
        }
    }

    /**
     * Why two sequential NATs stay on the relay. Both hard, each side pings the other's host candidates, which carry
     * the predicted ports after the host's LAN address (Punch.start), and its NAT gives each new destination the next
     * port. The ping to the other's LAN address takes the first predicted port, so side A's ping to B's k-th predicted
     * port leaves from A's (k+1)-th, while B's NAT only admits, on its k-th, the A port B sent to from there: A's
     * (k-1)-th. Without host candidates (a rendezvous on loopback) the k-th meets the k-th at once.
     */
    @ParameterizedTest(name = "{0} exposes, {1} connects")
    @CsvSource({"symmetric-sequential, symmetric-sequential", "cgnat-sequential, cgnat-sequential"})
    void twoSequentialNatsMeetOnTheirPredictedPortsWhenNoHostAddressComesFirst(String exposerKind, String connectorKind) {
        assertDirectWithin(150L, punch(exposerKind, connectorKind, false));
    }

    void assertDirectWithin(Long withinMillis, long toDirect) {
        assertTrue(toDirect >= 0, () -> "never direct: " + paths());
        assertTrue(toDirect <= withinMillis, () -> "direct after: " + toDirect + " ms (expected: <= " + withinMillis + ")");
        // Still direct a minute later: keepalives hold both NATs' 30 s mappings open.
        assertEquals(1, exposer.paths.size(), this::paths);
        assertEquals(1, connector.paths.size(), this::paths);
    }

    /** Logs both peers in, opens the session, runs a minute; the time from opening to both sides direct, or -1. */
    long punch(String exposerKind, String connectorKind, boolean hostCandidates) {
        exposer = site(1, exposerKind, Role.EXPOSER, UPLINK_A_MILLIS, hostCandidates);
        connector = site(2, connectorKind, Role.CONNECTOR, UPLINK_B_MILLIS, hostCandidates);
        exposer.pair(connector);
        exposer.login();
        connector.login();
        net.run(1_000);
        long opened = net.millis();
        connector.open();
        net.run(60_000);
        if (exposer.directAtMillis < 0 || connector.directAtMillis < 0) {
            return -1;
        }
        return Math.max(exposer.directAtMillis, connector.directAtMillis) - opened;
    }

    String paths() {
        return "exposer " + exposer.paths + " (STUN: " + exposer.stunResult() + "), connector " + connector.paths
                + " (STUN: " + connector.stunResult() + ")";
    }

    /**
     * Site {@code n} with a NAT of the lab's kind (docs/lab.md), or one the lab cannot build: {@code symmetric-sequential}
     * and {@code cgnat-sequential} hand out ports one after another, {@code address-dependent} maps each destination
     * address (not port) to a new random port. Addresses as in lab/natlab.
     */
    SimPeer site(int n, String kind, Role role, long uplinkMillis, boolean hostCandidates) {
        if (kind.equals("none")) {
            InetAddress host = SimNet.ip("198.18.1" + n + ".2");
            SimPeer peer = new SimPeer(net, role, host, host, net::send, hostCandidates, n);
            net.attach(host, peer::receive, uplinkMillis);
            return peer;
        }
        Random random = new Random(n);
        InetAddress wan = SimNet.ip("198.18." + n + ".2");
        SimNat home = switch (kind) {
            case "full-cone" -> nat(wan, Mapping.ENDPOINT_INDEPENDENT, Filtering.ENDPOINT_INDEPENDENT,
                    Allocation.PRESERVING, random);
            case "restricted-cone" -> nat(wan, Mapping.ENDPOINT_INDEPENDENT, Filtering.ADDRESS_DEPENDENT,
                    Allocation.PRESERVING, random);
            case "port-restricted" -> masquerade(wan, random);
            case "symmetric" -> symmetric(wan, Allocation.RANDOM, random);
            case "symmetric-sequential" -> symmetric(wan, Allocation.SEQUENTIAL, random);
            case "address-dependent" -> nat(wan, Mapping.ADDRESS_DEPENDENT, Filtering.ADDRESS_DEPENDENT,
                    Allocation.RANDOM, random);
            case "cgnat", "cgnat-sequential" -> masquerade(SimNet.ip("100.64." + n + ".2"), random);
            default -> throw new IllegalArgumentException("kind: " + kind + " (expected: a lab NAT type, "
                    + "symmetric-sequential, cgnat-sequential or address-dependent)");
        };
        SimNat carrier = switch (kind) {
            case "cgnat" -> symmetric(wan, Allocation.RANDOM, random);
            case "cgnat-sequential" -> symmetric(wan, Allocation.SEQUENTIAL, random);
            default -> null;
        };
        return behind(home, carrier, SimNet.ip("198.19." + n + ".2"), role, uplinkMillis, hostCandidates, n);
    }

    SimNat nat(InetAddress publicIp, Mapping mapping, Filtering filtering, Allocation allocation, Random random) {
        return new SimNat(publicIp, mapping, filtering, allocation, net::nanoTime, random);
    }

    /** Linux's plain {@code masquerade}: the lab's port-restricted type, and the home NAT under a CGNAT. */
    SimNat masquerade(InetAddress publicIp, Random random) {
        return nat(publicIp, Mapping.ENDPOINT_INDEPENDENT, Filtering.ADDRESS_AND_PORT_DEPENDENT, Allocation.PRESERVING,
                random);
    }

    SimNat symmetric(InetAddress publicIp, Allocation allocation, Random random) {
        return nat(publicIp, Mapping.ADDRESS_AND_PORT_DEPENDENT, Filtering.ADDRESS_AND_PORT_DEPENDENT, allocation, random);
    }

    /** A host behind {@code home}, itself behind {@code carrier} when that is not null (a CGNAT). */
    SimPeer behind(SimNat home, SimNat carrier, InetAddress lan, Role role, long uplinkMillis, boolean hostCandidates,
                   long seed) {
        SimNat outer = carrier != null ? carrier : home;
        SimPeer peer = new SimPeer(net, role, lan, outer.publicIp(), home::outbound, hostCandidates, seed);
        if (carrier != null) {
            home.wire(carrier::outbound, peer::receive);
            carrier.wire(net::send, home::inbound);
        } else {
            home.wire(net::send, peer::receive);
        }
        net.attach(outer.publicIp(), outer::inbound, uplinkMillis);
        return peer;
    }
}
