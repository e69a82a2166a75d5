package dev.pinhole.rendezvous.dashboard;

import dev.pinhole.protocol.tls.SecureFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The dashboard's admin secret: created on first start in the data dir ({@code dashboard-secret}, mode
 * 0600), never a default, never logged in full (logs show {@link #hint()}, its first characters).
 */
public final class AdminSecret {
    static final String PREFIX = "phd_";
    /**
     * The shortest secret accepted from the file: a generated one has 47 characters (256 random bits); 32
     * characters of anything an operator writes by hand is still far beyond guessing through the login's limiter,
     * and an empty or blank file (a {@code touch}, a provisioning template) would otherwise open the dashboard.
     */
    static final int MIN_LENGTH = 32;
    private final String value;

    private AdminSecret(String value) {
        this.value = value;
    }

    public static AdminSecret loadOrCreate(Path file) throws IOException {
        if (Files.exists(file)) {
            String value = Files.readString(file, StandardCharsets.UTF_8).trim();
            if (value.length() < MIN_LENGTH) {
                throw new IOException(file + ": " + value.length() + " characters (expected: at least " + MIN_LENGTH
                        + "); delete the file to have a random secret created at the next start");
            }
            return new AdminSecret(value);
        }
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String value = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        SecureFiles.writeAtomically(file, (value + "\n").getBytes(StandardCharsets.UTF_8));
        return new AdminSecret(value);
    }

    /** Constant time: a wrong guess takes as long however many characters it got right. */
    public boolean matches(String candidate) {
        return candidate != null && MessageDigest.isEqual(digest(value), digest(candidate));
    }

    /** Enough to tell secrets apart in a log; useless to an attacker. */
    public String hint() {
        return value.substring(0, Math.min(value.length(), PREFIX.length() + 4)) + "…";
    }

    private static byte[] digest(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
