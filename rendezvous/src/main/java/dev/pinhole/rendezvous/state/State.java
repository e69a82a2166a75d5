package dev.pinhole.rendezvous.state;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

    /** @param revokedAt epoch second of revocation, or null while the token is valid */
    public record TokenRecord(String id, String label, String secretSha256, long createdAt, Long revokedAt) {
        public boolean active() {
            return revokedAt == null;
        }
    }

    /** @param owner key fingerprint of the identity that owns the name */
    public record NameRecord(String name, String owner, long createdAt) {}

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

    public List<TokenRecord> tokensByAge() {
        return tokens.values().stream().sorted(Comparator.comparingLong(TokenRecord::createdAt)).toList();
    }
}
