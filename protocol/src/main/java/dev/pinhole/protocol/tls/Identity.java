package dev.pinhole.protocol.tls;

import dev.pinhole.protocol.Fingerprint;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A key pair and a self-signed certificate for it. Nobody checks the certificate's issuer or dates:
 * peers pin each other's keys by fingerprint, and peers pin the rendezvous by its certificate's
 * fingerprint (carried in the join code). EC P-256 because both the JDK's TLS and BoringSSL (QUIC)
 * accept it.
 */
public record Identity(PrivateKey privateKey, X509Certificate certificate) {

    /** The identity of a peer: SHA-256 of its SubjectPublicKeyInfo, stable across certificate renewals. */
    public String keyFingerprint() {
        return keyFingerprint(certificate);
    }

    /** What a join code pins: SHA-256 of the whole certificate (DER). */
    public String certificateFingerprint() {
        return certificateFingerprint(certificate);
    }

    public static String keyFingerprint(X509Certificate certificate) {
        return Fingerprint.of(certificate.getPublicKey().getEncoded());
    }

    public static String certificateFingerprint(X509Certificate certificate) {
        try {
            return Fingerprint.of(certificate.getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("certificate cannot be encoded: " + e.getMessage(), e);
        }
    }

    public static Identity generate(String commonName) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
            KeyPair pair = generator.generateKeyPair();
            X500Name subject = new X500Name("CN=" + commonName);
            // Dates are not checked by anyone (keys are pinned); wide bounds keep strict stacks quiet.
            Date notBefore = Date.from(Instant.parse("2000-01-01T00:00:00Z"));
            Date notAfter = Date.from(Instant.parse("9999-12-31T23:59:59Z"));
            BigInteger serial = new BigInteger(64, new SecureRandom());
            var builder = new JcaX509v3CertificateBuilder(subject, serial, notBefore, notAfter, subject, pair.getPublic());
            var signer = new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate());
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(builder.build(signer));
            return new Identity(pair.getPrivate(), cert);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot create a key pair: " + e.getMessage(), e);
        }
    }

    /** Loads {@code keyFile} and {@code certFile} (PEM), creating both (mode 0600) if neither exists. */
    public static Identity loadOrCreate(Path keyFile, Path certFile, String commonName) throws IOException {
        if (Files.exists(keyFile) && Files.exists(certFile)) {
            return load(keyFile, certFile);
        }
        if (Files.exists(keyFile) || Files.exists(certFile)) {
            throw new IOException("found only one of " + keyFile + " and " + certFile + "; restore the other or remove both");
        }
        Identity identity = generate(commonName);
        identity.save(keyFile, certFile);
        return identity;
    }

    /** Writes this identity to {@code keyFile} and {@code certFile} (PEM, mode 0600, each atomically). */
    public void save(Path keyFile, Path certFile) throws IOException {
        SecureFiles.writeAtomically(keyFile, pem("PRIVATE KEY", privateKey.getEncoded()));
        try {
            SecureFiles.writeAtomically(certFile, pem("CERTIFICATE", certificate.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    public static Identity load(Path keyFile, Path certFile) throws IOException {
        try {
            byte[] keyDer = unpem(Files.readString(keyFile, StandardCharsets.US_ASCII), "PRIVATE KEY", keyFile);
            PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(keyDer));
            byte[] certDer = unpem(Files.readString(certFile, StandardCharsets.US_ASCII), "CERTIFICATE", certFile);
            X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(certDer));
            return new Identity(key, cert);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException("cannot read identity from " + keyFile + " and " + certFile + ": " + e.getMessage(), e);
        }
    }

    static byte[] pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return ("-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n").getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] unpem(String text, String type, Path file) throws IOException {
        String begin = "-----BEGIN " + type + "-----";
        String end = "-----END " + type + "-----";
        int from = text.indexOf(begin);
        int to = text.indexOf(end);
        if (from < 0 || to < from) {
            throw new IOException(file + " has no " + begin + " block");
        }
        return Base64.getMimeDecoder().decode(text.substring(from + begin.length(), to));
    }
}
