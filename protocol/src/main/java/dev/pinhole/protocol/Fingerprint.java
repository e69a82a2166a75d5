package dev.pinhole.protocol;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * A SHA-256 digest written as {@code sha256:<base64url, no padding>} (43 characters after the prefix):
 * short enough to read aloud and to paste into a command line without quoting.
 */
public final class Fingerprint {
    public static final String PREFIX = "sha256:";

    private Fingerprint() {}

    public static String of(byte[] data) {
        return format(sha256(data));
    }

    public static String format(byte[] digest) {
        if (digest.length != 32) {
            throw new IllegalArgumentException("digest length: " + digest.length + " (expected: 32)");
        }
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    }

    /** Parses a fingerprint; accepts the prefix in any case, or none. */
    public static byte[] parse(String text) {
        String body = text.regionMatches(true, 0, PREFIX, 0, PREFIX.length()) ? text.substring(PREFIX.length()) : text;
        byte[] digest;
        try {
            digest = Base64.getUrlDecoder().decode(body);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("fingerprint '" + text + "' is not base64url (expected: sha256:<43 characters>)");
        }
        if (digest.length != 32) {
            throw new IllegalArgumentException("fingerprint '" + text + "' has " + digest.length + " bytes (expected: 32)");
        }
        return digest;
    }

    /** Normalises a user-typed fingerprint so that two spellings of one digest compare equal. */
    public static String normalise(String text) {
        return format(parse(text));
    }

    /** Compares in time independent of where the digests differ. */
    public static boolean matches(String expected, String actual) {
        return MessageDigest.isEqual(parse(expected), parse(actual));
    }

    public static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
