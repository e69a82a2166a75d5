package dev.pinhole.protocol.tls;

import dev.pinhole.protocol.Fingerprint;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.function.BiFunction;
import java.util.function.Function;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts exactly the certificate (or key) whose fingerprint the caller expects, and nothing else:
 * no CA, no dates, no host names. The expectation may depend on the connection (for a QUIC server
 * that serves many sessions, the SSLEngine's peer address tells which session is handshaking).
 */
public final class PinnedTrustManager extends X509ExtendedTrustManager {
    /** Returns why the certificate is refused, or null to accept it. */
    public interface Check {
        String refusal(X509Certificate certificate, SSLEngine engine);
    }

    private final Check check;

    public PinnedTrustManager(Check check) {
        this.check = check;
    }

    /** Accepts the certificate whose SHA-256 (whole DER) is {@code fingerprint}. */
    public static PinnedTrustManager certificate(String fingerprint, String what) {
        return new PinnedTrustManager(byFingerprint(Identity::certificateFingerprint, (c, e) -> fingerprint, what));
    }

    /** Accepts any certificate whose public key's SHA-256 is {@code fingerprint}. */
    public static PinnedTrustManager key(String fingerprint, String what) {
        return new PinnedTrustManager(byFingerprint(Identity::keyFingerprint, (c, e) -> fingerprint, what));
    }

    /** Accepts any certificate: the server authenticates peers by token and learns their key from TLS. */
    public static PinnedTrustManager anyKey() {
        return new PinnedTrustManager((certificate, engine) -> null);
    }

    public static Check byFingerprint(Function<X509Certificate, String> digest,
                                      BiFunction<X509Certificate, SSLEngine, String> expected, String what) {
        return (certificate, engine) -> {
            String want = expected.apply(certificate, engine);
            String got = digest.apply(certificate);
            if (want == null) {
                return what + " is not expected here (" + got + ")";
            }
            return Fingerprint.matches(want, got)
                    ? null
                    : what + " fingerprint " + got + " does not match the pinned " + want;
        };
    }

    private void verify(X509Certificate[] chain, SSLEngine engine) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("no certificate presented");
        }
        String refusal = check.refusal(chain[0], engine);
        if (refusal != null) {
            throw new CertificateException(refusal);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        verify(chain, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        verify(chain, engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        verify(chain, null);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        verify(chain, null);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        verify(chain, null);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        verify(chain, null);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}

