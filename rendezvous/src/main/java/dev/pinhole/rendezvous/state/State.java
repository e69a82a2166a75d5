package dev.pinhole.rendezvous.state;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What the rendezvous remembers across restarts. Immutable; {@link StateStore#update} swaps it whole.
 *
 * @param tokens access tokens, by id (secrets are stored only as SHA-256 digests)
 * @param names  service names, each owned by the first identity that registered it
 */
public record State(Map<String, TokenRecord> tokens, Map<String, NameRecord> names) {
    public static final State EMPTY = new State(Map.of(), Map.of());

    public State {
        tokens = Map.copyOf(tokens == null ? Map.of() : tokens);
        names = Map.copyOf(names == null ? Map.of() : names);
    }

    /**
     * @param revokedAt epoch second of revocation, or null while the token is valid
     * @param names     the name patterns this token may register or connect to ({@code nas}, {@code nas-*}),
     *                  or null for any name (docs/security.md, "Limits and data safety: tokens, names, state")
     */
    public record TokenRecord(String id, String label, String secretSha256, long createdAt, Long revokedAt,
                              List<String> names) {
        public TokenRecord {
            names = names == null ? null : List.copyOf(names);
        }

        public boolean active() {
            return revokedAt == null;
        }

        /** Whether this token's scope covers {@code name} (a canonical service name). */
        public boolean allows(String name) {
            return names == null || names.stream().anyMatch(pattern -> NamePatterns.matches(pattern, name));
        }

        public TokenRecord revoked(long at) {
            return new TokenRecord(id, label, secretSha256, createdAt, at, names);
        }
    }

    /**
     * @param owner   key fingerprint of the identity that owns the name
     * @param tokenId the token the owner registered it with, or null in files written before names were bound to
     *                tokens; revoking that token releases the name
     */
    public record NameRecord(String name, String owner, long createdAt, String tokenId) {}

    public State withToken(TokenRecord token) {
        Map<String, TokenRecord> copy = new LinkedHashMap<>(tokens);
        copy.put(token.id(), token);
        return new State(copy, names);
    }

    public State withName(NameRecord name) {
        Map<String, NameRecord> copy = new LinkedHashMap<>(names);
        copy.put(name.name(), name);
        return new State(tokens, copy);
    }

    public State withoutName(String name) {
        Map<String, NameRecord> copy = new LinkedHashMap<>(names);
        copy.remove(name);
        return new State(tokens, copy);
    }

    public List<TokenRecord> tokensByAge() {
        return tokens.values().stream().sorted(Comparator.comparingLong(TokenRecord::createdAt)).toList();
    }

    /** By name. */
    public List<NameRecord> namesSorted() {
        return names.values().stream().sorted(Comparator.comparing(NameRecord::name)).toList();
    }

    /** Name patterns of scoped tokens: DNS-label characters and {@code *} for any run of them. */
    public static final class NamePatterns {
        private static final Pattern SHAPE = Pattern.compile("[a-z0-9*]([a-z0-9*-]{0,61}[a-z0-9*])?");

        private NamePatterns() {}

        /** Why {@code pattern} is not a name pattern, or null when it is one. */
        public static String problem(String pattern) {
            return SHAPE.matcher(pattern).matches() ? null
                    : "name pattern '" + pattern + "' (expected: a lower-case DNS label, '*' matching any run of"
                    + " characters, e.g. nas or nas-*)";
        }

        static boolean matches(String pattern, String name) {
            return Pattern.matches(Pattern.quote(pattern).replace("*", "\\E[a-z0-9-]*\\Q"), name);
        }
    }
}
