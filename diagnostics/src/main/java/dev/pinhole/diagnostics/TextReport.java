package dev.pinhole.diagnostics;

/** The report as a person reads it at a glance. */
final class TextReport {
    private TextReport() {}

    static String render(NatReport r) {
        StringBuilder text = new StringBuilder();
        line(text, "UDP", r.udp() ? "works" : "blocked (no STUN answer)");
        line(text, "Local address", r.localAddress());
        if (r.udp()) {
            line(text, "Public address", r.publicAddress()
                    + (Boolean.TRUE.equals(r.portPreserved()) ? " (port preserved)" : " (port changed)"));
            line(text, "Mapping", r.mapping());
            line(text, "Filtering", r.filtering());
            line(text, "Hairpinning", r.hairpinning() == null ? "unknown" : r.hairpinning() ? "yes" : "no");
            line(text, "CGNAT", r.cgnatSuspected() ? "suspected (see notes)" : "not seen");
        }
        line(text, "NAT type", r.natType());
        line(text, "Direct connections", r.directWith().isEmpty()
                ? "unlikely: connections will use the relay"
                : "likely with " + String.join(", ", r.directWith()) + " peers; others use the relay");
        for (String note : r.notes()) {
            line(text, "Note", note);
        }
        return text.toString();
    }

    private static void line(StringBuilder text, String label, String value) {
        text.append(String.format("%-19s %s%n", label + ":", value));
    }
}
