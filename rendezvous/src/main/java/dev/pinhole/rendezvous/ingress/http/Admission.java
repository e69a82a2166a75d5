package dev.pinhole.rendezvous.ingress.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.InetAddress;

/**
 * Whether one HTTP request may reach a service, decided from its headers and the visitor's address alone
 * (no I/O): the checks run in the order that leaks least — an unknown name and a refused address are told
 * before a password is asked for, and only a visitor with the password learns that a service is offline.
 * Every wrong password spends from its address' budget ({@link Routes#guessedTooOften}), so a password
 * cannot be brute-forced through the rendezvous; right ones (which browsers repeat on every request) cost nothing.
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
        if (!route.basicAuth().isEmpty() && routes.guessedTooOften(visitor)) {
            return Verdict.page(HttpResponseStatus.TOO_MANY_REQUESTS, "Too many wrong passwords from "
                    + visitor.getHostAddress() + "; try again in a minute.");
        }
        String authorization = headers.get(HttpHeaderNames.AUTHORIZATION);
        if (!route.authorized(authorization)) {
            if (authorization != null) {
                routes.wrongPassword(visitor);
            }
            return Verdict.page(HttpResponseStatus.UNAUTHORIZED, name);
        }
        if (!route.online()) {
            return Verdict.page(HttpResponseStatus.BAD_GATEWAY, "'" + name + "' is published, but its exposer is offline"
                    + " right now. Try again when it is back.");
        }
        return Verdict.forward(route);
    }

    /**
     * What the service learns about the visitor: {@code X-Forwarded-For} gets the visitor's address appended
     * (earlier entries are the visitor's own claims; the last is the one the rendezvous saw), {@code -Proto}
     * and {@code -Host} are set (to the Host the visitor asked for, also when the route replaces Host
     * for a service that checks it). A password for the tunnel is removed: it is not the service's.
     */
    public static void forwarded(HttpHeaders headers, InetAddress visitor, Route route) {
        String prior = headers.get("X-Forwarded-For");
        String address = visitor.getHostAddress();
        headers.set("X-Forwarded-For", prior == null ? address : prior + ", " + address);
        headers.set("X-Forwarded-Proto", "http");
        headers.set("X-Forwarded-Host", headers.get(HttpHeaderNames.HOST));
        if (!route.basicAuth().isEmpty()) {
            headers.remove(HttpHeaderNames.AUTHORIZATION);
        }
        if (!route.hostHeader().isEmpty()) {
            headers.set(HttpHeaderNames.HOST, route.hostHeader());
        }
    }
}
