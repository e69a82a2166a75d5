package dev.pinhole.protocol;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * Everything a peer needs to reach a rendezvous, in one string:
 * {@code pinhole://TOKEN@HOST:PORT?fp=sha256:...}. The fingerprint pins the server's certificate,
 * so the join code is also what makes the first connection safe (no trust on first use).
 * It holds a secret: treat it like a password.
 */
public record JoinCode(String host, int port, String token, String fingerprint) {
    public static final String SCHEME = "pinhole";

    public JoinCode {
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("join code: host is empty");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("join code: port " + port + " (expected: 1..65535)");
        }
        if (token == null || token.isEmpty()) {
            throw new IllegalArgumentException("join code: token is empty");
        }
        fingerprint = Fingerprint.normalise(fingerprint);
    }

    public static JoinCode parse(String text) {
        URI uri;
        try {
            uri = new URI(text.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("join code is not of the form pinhole://TOKEN@HOST:PORT?fp=sha256:...");
        }
        if (!SCHEME.equals(uri.getScheme()) || uri.getRawUserInfo() == null || uri.getHost() == null
                || uri.getPort() < 0 || uri.getRawQuery() == null || !uri.getRawQuery().startsWith("fp=")) {
            throw new IllegalArgumentException("join code is not of the form pinhole://TOKEN@HOST:PORT?fp=sha256:...");
        }
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new JoinCode(host, uri.getPort(), uri.getRawUserInfo(), uri.getRawQuery().substring(3));
    }

    /** host:port as a person writes it (IPv6 in brackets). */
    public String address() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    @Override
    public String toString() {
        return SCHEME + "://" + token + "@" + address() + "?fp=" + fingerprint;
    }
}
