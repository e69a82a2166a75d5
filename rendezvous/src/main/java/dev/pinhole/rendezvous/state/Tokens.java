package dev.pinhole.rendezvous.state;

import dev.pinhole.protocol.Fingerprint;
import dev.pinhole.rendezvous.state.State.TokenRecord;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Access tokens look like {@code pht_<id>_<secret>}: the id (8 hex digits) is public and names the
 * token in lists and logs; the secret (32 random bytes, base64url) is stored only as its SHA-256.
 * Verification compares digests in constant time, and does the same work for unknown ids.
 */
public final class Tokens {
    private static final String PREFIX = "pht_";
    private static final byte[] NO_SUCH_TOKEN = new byte[32];

    private final SecureRandom random;

    public Tokens(SecureRandom random) {
        this.random = random;
    }

    /** A new token and the record to store for it. */
    public record Issued(String token, TokenRecord record) {}

    public Issued issue(String label, long nowEpochSecond) {
        return issue(label, null, nowEpochSecond);
    }

    /** @param names the name patterns the token is limited to, or null for any name */
    public Issued issue(String label, List<String> names, long nowEpochSecond) {
        byte[] idBytes = new byte[4];
        random.nextBytes(idBytes);
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        String id = HexFormat.of().formatHex(idBytes);
        String secretText = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        String digest = Base64.getEncoder().encodeToString(sha256(secretText));
        return new Issued(PREFIX + id + "_" + secretText, new TokenRecord(id, label, digest, nowEpochSecond, null, names));
    }

    /** The public id part of a token, if it has the token shape. */
    public static Optional<String> idOf(String token) {
        if (token == null || !token.startsWith(PREFIX)) {
            return Optional.empty();
        }
        int end = token.indexOf('_', PREFIX.length());
        return end == PREFIX.length() + 8 ? Optional.of(token.substring(PREFIX.length(), end)) : Optional.empty();
    }

    /** Returns the active record this token proves, or empty. */
    public static Optional<TokenRecord> verify(State state, String token) {
        return proven(state, token).filter(TokenRecord::active);
    }

    /** The record whose secret this token holds, revoked or not (a refusal can then say "revoked" to its holder). */
    public static Optional<TokenRecord> proven(State state, String token) {
        Optional<String> id = idOf(token);
        TokenRecord record = id.map(state.tokens()::get).orElse(null);
        String secret = id.isPresent() ? token.substring(PREFIX.length() + 9) : "";
        byte[] expected = record == null ? NO_SUCH_TOKEN : Base64.getDecoder().decode(record.secretSha256());
        boolean equal = MessageDigest.isEqual(expected, sha256(secret));
        return equal && record != null ? Optional.of(record) : Optional.empty();
    }

    /** How to name a token in messages without revealing its secret. */
    public static String describe(String token) {
        if (token == null || token.isEmpty()) {
            return "no token";
        }
        return idOf(token).map(id -> "token " + id).orElse("a token that is not of the form pht_<id>_<secret>");
    }

    private static byte[] sha256(String text) {
        return Fingerprint.sha256(text.getBytes(StandardCharsets.UTF_8));
    }
}
