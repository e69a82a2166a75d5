package dev.pinhole.rendezvous.ingress.http;

import dev.pinhole.protocol.ServiceName;
import java.util.Locale;

/** Which service a Host header or TLS server name asks for: {@code mypc.DOMAIN} means {@code mypc}. */
public final class HostNames {
    private HostNames() {}

    /**
     * The service name in {@code host} (a Host header, with or without port, or an SNI name) under
     * {@code domain}, or null when it names none: another domain, the domain itself, a deeper name, a
     * label that is not a valid service name.
     */
    public static String serviceName(String host, String domain) {
        if (host == null) {
            return null;
        }
        String h = host.trim().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            return null; // an IPv6 literal names no service
        }
        int colon = h.lastIndexOf(':');
        if (colon >= 0) {
            if (!h.substring(colon + 1).matches("[0-9]{1,5}")) {
                return null;
            }
            h = h.substring(0, colon);
        }
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        String suffix = "." + domain.toLowerCase(Locale.ROOT);
        if (!h.endsWith(suffix)) {
            return null;
        }
        String label = h.substring(0, h.length() - suffix.length());
        return label.isEmpty() || label.contains(".") || ServiceName.problem(label).isPresent() ? null : label;
    }

    /** Printable form of a visitor-supplied host for a page or a log: at most 100 characters, control characters dropped. */
    public static String printable(String host) {
        if (host == null) {
            return "(none)";
        }
        String clean = host.codePoints().filter(c -> c >= 0x20 && c != 0x7f)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        return clean.length() > 100 ? clean.substring(0, 100) + "…" : clean;
    }
}
