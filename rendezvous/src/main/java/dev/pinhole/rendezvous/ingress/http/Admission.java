package dev.pinhole.rendezvous.ingress.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.InetAddress;

/**
 * Whether one HTTP request may reach a service, decided from its headers and the visitor's address alone
 * (no I/O): the checks run in the order that leaks least — an unknown name and a refused address are told
 * before a password is asked for, and only a visitor with the password learns that a service is offline.
 * Every wrong password spends from the budget of its address (IPv6: its /64) for that name
 * ({@link Routes#guessedTooOften}), so a password cannot be brute-forced through the rendezvous; right ones
 * (which browsers repeat on every request) cost nothing, and requests without a password are not counted.
 */
public final class Admission {
    /** Either {@code route} to forward to, or the {@code status} and {@code detail} of the page that answers. */
    public record Verdict(Route route, HttpResponseStatus status, String detail) {
        static Verdict forward(Route route) {
            return new Verdict(route, null, null);
        }

        static Verdict page(HttpResponseStatus status, String detail) {
            return new Verdict(null, status, detail);
        }

        /** The service's name for the 401 challenge's realm. */
        String name() {
            return detail;
        }
    }

    private Admission() {}

    public static Verdict judge(HttpHeaders headers, InetAddress visitor, String domain, Routes routes) {
        String host = headers.get(HttpHeaderNames.HOST);
        String name = HostNames.serviceName(host, domain);
        Route route = name == null ? null : routes.route(name);
        if (route == null) {
            return Verdict.page(HttpResponseStatus.NOT_FOUND, name == null
                    ? "There is no service at " + HostNames.printable(host) + " on this rendezvous."
                    : "No service is published as '" + name + "' on this rendezvous.");
        }
        if (!route.admits(visitor)) {
            return Verdict.page(HttpResponseStatus.FORBIDDEN, "'" + name + "' does not accept visitors from "
                    + visitor.getHostAddress() + ".");
        }
        String authorization = headers.get(HttpHeaderNames.AUTHORIZATION);
        boolean guarded = !route.basicAuth().isEmpty();
        if (guarded && authorization != null && routes.guessedTooOften(visitor, name)) {
            return Verdict.page(HttpResponseStatus.TOO_MANY_REQUESTS, "Too many wrong passwords for '" + name + "' from "
                    + visitor.getHostAddress() + "; try again in a minute.");
        }
        if (!route.authorized(authorization)) {
            if (authorization != null) {
                routes.wrongPassword(visitor, name);
            }
            return Verdict.page(HttpResponseStatus.UNAUTHORIZED, name);
        }
        if (!route.online()) {
            return Verdict.page(HttpResponseStatus.BAD_GATEWAY, "'" + name + "' is published, but its exposer is offline"
                    + " right now. Try again when it is back.");
        }
        return Verdict.forward(route);
    }
}
