package dev.pinhole.rendezvous.ingress.http;

import java.util.Set;

/**
 * The {@code status} label of {@code pinhole_ingress_requests_total}. Services choose their status codes and
 * Netty accepts any number, so a code is its own label only if it is one RFC 9110 (and the few common
 * extensions) define; any other code counts under its class ({@code 2xx} ... {@code 5xx}, or {@code other}).
 * That bounds the series an exposer can create to the size of this list plus six.
 */
public final class StatusLabel {
    private static final Set<Integer> KNOWN = Set.of(100, 101, 103, 200, 201, 202, 203, 204, 205, 206, 207,
            300, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404, 405, 406, 408, 409, 410, 411, 412, 413, 414, 415,
            416, 417, 421, 422, 425, 426, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505);

    private StatusLabel() {}

    public static String of(int code) {
        if (KNOWN.contains(code)) {
            return Integer.toString(code);
        }
        return code >= 100 && code < 600 ? code / 100 + "xx" : "other";
    }
}
