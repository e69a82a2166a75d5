package dev.pinhole.protocol.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdentityTest {
    @TempDir Path dir;

    @Test
    void createdOnceWithOwnerOnlyFilesThenReloadedUnchanged() throws Exception {
        Path key = dir.resolve("home/identity.key");
        Path cert = dir.resolve("home/identity.crt");
        Identity first = Identity.loadOrCreate(key, cert, "test");
        Identity again = Identity.loadOrCreate(key, cert, "test");
        assertEquals(first.keyFingerprint(), again.keyFingerprint());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key.getParent())));
        assertTrue(first.keyFingerprint().startsWith("sha256:"));
    }

    @Test
    void aMissingHalfIsAnErrorNotASilentNewIdentity() throws Exception {
        Path key = dir.resolve("identity.key");
        Path cert = dir.resolve("identity.crt");
        Identity.loadOrCreate(key, cert, "test");
        Files.delete(cert);
        var e = assertThrows(IOException.class, () -> Identity.loadOrCreate(key, cert, "test"));
        assertTrue(e.getMessage().contains("found only one"), e.getMessage());
    }

    @Test
    void pinnedTrustManagerAcceptsOnlyThePinnedKey() throws Exception {
        Identity a = Identity.generate("a");
        Identity b = Identity.generate("b");
        PinnedTrustManager pinA = PinnedTrustManager.key(a.keyFingerprint(), "the exposer's key");
        pinA.checkServerTrusted(new X509Certificate[] {a.certificate()}, "EC");
        var e = assertThrows(CertificateException.class,
                () -> pinA.checkServerTrusted(new X509Certificate[] {b.certificate()}, "EC"));
        assertEquals("the exposer's key fingerprint " + b.keyFingerprint() + " does not match the pinned " + a.keyFingerprint(),
                e.getMessage());
        assertNull(null);
    }
}
