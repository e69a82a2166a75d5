package dev.pinhole.protocol;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The key both peers of one session use to authenticate their punch probes (see
 * {@code dev.pinhole.protocol.punch.Probe}). Created by the rendezvous per session and sent to the two
 * peers over their TLS control connections only. Never printed.
 */
public record SessionSecret(byte[] bytes) {
    /** 256 bits: the HMAC-SHA256 key size. */
    public static final int LENGTH = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    public SessionSecret {
        bytes = bytes.clone();
    }

    public static SessionSecret random() {
        byte[] bytes = new byte[LENGTH];
        RANDOM.nextBytes(bytes);
        return new SessionSecret(bytes);
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SessionSecret that && MessageDigest.isEqual(bytes, that.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "SessionSecret[" + bytes.length + " bytes]";
    }
}
