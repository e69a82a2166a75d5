package dev.pinhole.protocol;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Service names are DNS labels (RFC 1035 section 2.3.1, as relaxed by RFC 1123 section 2.1) because
 * they become subdomains of the rendezvous' domain: 1 to 63 of a-z, 0-9 and '-', not starting or
 * ending with '-'. Upper case is folded, since DNS is case-insensitive and two names differing only
 * in case would collide as hostnames.
 */
public final class ServiceName {
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    private ServiceName() {}

    /** Returns the canonical (lower-case) form of a valid name. */
    public static String canonical(String name) {
        Optional<String> problem = problem(name);
        if (problem.isPresent()) {
            throw new IllegalArgumentException(problem.get());
        }
        return name.toLowerCase(Locale.ROOT);
    }

    /** Why {@code name} is not a valid service name, or empty if it is. */
    public static Optional<String> problem(String name) {
        if (name == null || name.isEmpty()) {
            return Optional.of("name is empty (expected: a DNS label such as 'mypc')");
        }
        if (name.length() > 63) {
            return Optional.of("name '" + name + "' is " + name.length() + " characters (expected: <= 63)");
        }
        String lower = name.toLowerCase(Locale.ROOT);
        if (!LABEL.matcher(lower).matches()) {
            return Optional.of("name '" + name + "' is not a DNS label (expected: letters, digits and '-',"
                    + " not starting or ending with '-')");
        }
        return Optional.empty();
    }
}
