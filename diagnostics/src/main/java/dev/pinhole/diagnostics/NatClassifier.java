package dev.pinhole.diagnostics;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns RFC 5780 observations into RFC 4787 terms, the classic name and advice. Pure: no sockets. Advice
 * follows what the hole puncher can do (docs/direct-paths.md, "The plan"): a direct path needs at least one
 * side with endpoint-independent mapping; two address-dependent mappings stay on the relay.
 */
final class NatClassifier {
    static final String NONE = "none";
    static final String EI = "endpoint-independent";
    static final String AD = "address-dependent";
    static final String APD = "address-and-port-dependent";
    static final String UNKNOWN = "unknown";
    static final List<String> ALL_TYPES = List.of("open", "full-cone", "restricted-cone", "port-restricted-cone", "symmetric");

    private NatClassifier() {}

    static NatReport classify(Observations o) {
        List<String> notes = new ArrayList<>(o.notes());
        if (o.mappedPrimary() == null) {
            return new NatReport(false, address(o.local()), null, UNKNOWN, UNKNOWN, null, null, false, "udp-blocked",
                    List.of(), notes);
        }
        boolean natted = !o.mappedPrimary().equals(o.local()) && !o.local().getAddress().isAnyLocalAddress()
                || o.local().getAddress().isAnyLocalAddress() && o.mappedPrimary().getPort() != o.local().getPort();
        String mapping = natted ? mapping(o, notes) : NONE;
        String filtering = filtering(o);
        boolean cgnat = inCarrierRange(o.mappedPrimary()) || inCarrierRange(o.local());
        if (o.hops() != null) {
            // Behind the home router (the first hop), a router in shared address space is a carrier NAT.
            for (int i = 1; i < o.hops().size(); i++) {
                if (inCarrierRange(new InetSocketAddress(o.hops().get(i), 0))) {
                    cgnat = true;
                    notes.add("hop " + (i + 1) + " is " + o.hops().get(i).getHostAddress()
                            + " (100.64.0.0/10, carrier-grade NAT space): a second NAT layer");
                    break;
                }
            }
        }
        String type = natType(natted, mapping, filtering);
        List<String> directWith = mapping.equals(EI) || mapping.equals(NONE) ? ALL_TYPES
                : mapping.equals(UNKNOWN) ? List.of() : ALL_TYPES.subList(0, 4);
        return new NatReport(true, address(o.local()), address(o.mappedPrimary()), mapping, filtering,
                o.mappedPrimary().getPort() == o.local().getPort(), o.hairpin(), cgnat, type, directWith, notes);
    }

    private static String mapping(Observations o, List<String> notes) {
        if (o.mappedAltIp() != null) {
            if (o.mappedAltIp().equals(o.mappedPrimary())) {
                return EI;
            }
            if (o.mappedAltBoth() == null) {
                return UNKNOWN;
            }
            return o.mappedAltBoth().equals(o.mappedAltIp()) ? AD : APD;
        }
        if (o.mappedSecondServer() != null) {
            // Two servers without RFC 5780: a change tells "varies by destination", not which kind.
            return o.mappedSecondServer().equals(o.mappedPrimary()) ? EI : APD;
        }
        return UNKNOWN;
    }

    private static String filtering(Observations o) {
        if (o.changedIpAndPort() == null) {
            return UNKNOWN;
        }
        if (o.changedIpAndPort()) {
            return EI;
        }
        if (o.changedPort() == null) {
            return UNKNOWN;
        }
        return o.changedPort() ? AD : APD;
    }

    private static String natType(boolean natted, String mapping, String filtering) {
        if (!natted) {
            return "open"; // a stateful firewall without NAT still shows in the filtering field
        }
        if (mapping.equals(AD) || mapping.equals(APD)) {
            return "symmetric";
        }
        if (!mapping.equals(EI)) {
            return "unknown";
        }
        return switch (filtering) {
            case EI -> "full-cone";
            case AD -> "restricted-cone";
            case APD -> "port-restricted-cone";
            default -> "unknown";
        };
    }

    /** RFC 6598 shared address space, used by carrier-grade NAT: 100.64.0.0/10. */
    static boolean inCarrierRange(InetSocketAddress address) {
        if (address == null || !(address.getAddress() instanceof Inet4Address)) {
            return false;
        }
        byte[] ip = address.getAddress().getAddress();
        return (ip[0] & 0xff) == 100 && (ip[1] & 0xc0) == 64;
    }

    private static String address(InetSocketAddress address) {
        return address == null ? null : address.getAddress().getHostAddress() + ":" + address.getPort();
    }
}
