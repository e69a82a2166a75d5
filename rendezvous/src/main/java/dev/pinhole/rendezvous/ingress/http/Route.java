package dev.pinhole.rendezvous.ingress.http;

import dev.pinhole.protocol.Cidr;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;

/**
 * What the rendezvous knows about one published name: whether its exposer is online, and the
 * protection its owner asked for ({@code peer expose --basic-auth USER:PASS --allow-ip BLOCK}).
 *
 * @param basicAuth {@code USER:PASS}, or empty for none
 * @param allowFrom address blocks visitors must come from, or empty for everyone
 * @param hostHeader the Host header the service wants to see, or empty to pass the visitor's
 */
public record Route(String name, boolean online, String basicAuth, List<Cidr> allowFrom, String hostHeader) {
    public Route {
        allowFrom = List.copyOf(allowFrom);
    }

    public Route(String name, boolean online, String basicAuth, List<Cidr> allowFrom) {
        this(name, online, basicAuth, allowFrom, "");
    }

    /** Whether a visitor from {@code address} may connect at all. */
    public boolean admits(InetAddress address) {
        return Cidr.admits(allowFrom, address);
    }

    /**
     * Whether an {@code Authorization} header value (may be null) carries this route's credentials
     * (RFC 7617). Compared in constant time, so a guess learns nothing from the time an answer takes.
     */
    public boolean authorized(String authorization) {
        if (basicAuth.isEmpty()) {
            return true;
        }
        byte[] given = new byte[0];
        if (authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                given = Base64.getDecoder().decode(authorization.substring(6).trim());
            } catch (IllegalArgumentException e) {
                given = new byte[0];
            }
        }
        return MessageDigest.isEqual(given, basicAuth.getBytes(StandardCharsets.UTF_8));
    }
}
