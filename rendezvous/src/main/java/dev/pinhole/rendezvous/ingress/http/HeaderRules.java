package dev.pinhole.rendezvous.ingress.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The rules a request's headers must follow at the rendezvous, without I/O ("Strict HTTP" under "Limits:
 * public HTTP and HTTPS" in docs/security.md). {@link #invalid} refuses the framing shapes that let a front
 * and a back end disagree on where a request ends (request smuggling): the rendezvous decodes and re-frames
 * every request, but a lenient service reading the forwarded headers must not be able to disagree with it.
 * {@link #forwarded} then makes the headers the service sees: hop-by-hop headers go (they were meant for
 * the rendezvous), and the client-address headers are the rendezvous' own, never the visitor's claims.
 */
public final class HeaderRules {
    /** RFC 9110 §7.6.1 and the fields every proxy drops; plus what {@code Connection} nominates. */
    private static final List<String> HOP_BY_HOP = List.of("connection", "keep-alive", "proxy-connection",
            "proxy-authorization", "proxy-authenticate", "te", "trailer", "transfer-encoding", "upgrade");

    private HeaderRules() {}

    /** The page that refuses a request that could not be decoded or {@link #invalid}, or null for a good one. */
    static Admission.Verdict refusal(HttpRequest request) {
        if (request.decoderResult().isFailure()) {
            Throwable cause = request.decoderResult().cause();
            HttpResponseStatus status = cause instanceof TooLongHttpLineException ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                    : cause instanceof TooLongHttpHeaderException ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                    : HttpResponseStatus.BAD_REQUEST;
            return Admission.Verdict.page(status, "The request could not be read: " + cause.getMessage());
        }
        String invalid = invalid(request);
        return invalid == null ? null
                : Admission.Verdict.page(HttpResponseStatus.BAD_REQUEST, "The request's framing is ambiguous: " + invalid);
    }

    /** Why {@code request} must be refused (400, then close), or null when its framing is unambiguous. */
    public static String invalid(HttpRequest request) {
        HttpHeaders headers = request.headers();
        List<String> lengths = headers.getAll(HttpHeaderNames.CONTENT_LENGTH);
        List<String> codings = headers.getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (lengths.size() > 1) {
            return "Content-Length: " + String.join(", ", lengths) + " (expected: one value)";
        }
        if (lengths.size() == 1 && !lengths.get(0).trim().matches("[0-9]{1,18}")) {
            return "Content-Length: " + lengths.get(0) + " (expected: a decimal number)";
        }
        if (codings.isEmpty()) {
            return null;
        }
        if (!lengths.isEmpty()) {
            return "Content-Length together with Transfer-Encoding (expected: one of them)";
        }
        if (request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
            return "Transfer-Encoding in an HTTP/1.0 request (expected: Content-Length)";
        }
        if (codings.size() > 1 || !codings.get(0).trim().equalsIgnoreCase("chunked")) {
            return "Transfer-Encoding: " + String.join(", ", codings) + " (expected: chunked)";
        }
        return null;
    }

    /** Whether {@code headers} ask for a WebSocket: the one upgrade that passes through. */
    public static boolean webSocketUpgrade(HttpHeaders headers) {
        return headers.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
                && headers.contains(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
    }

    /**
     * Makes {@code request}'s headers the ones its service sees. Hop-by-hop headers are removed (a WebSocket
     * upgrade keeps {@code Upgrade} and gets {@code Connection: upgrade}), framing is written the one way
     * {@link #invalid} left; {@code X-Forwarded-For/-Proto/-Host}, {@code X-Real-IP} and {@code Forwarded} are
     * set to what the rendezvous saw, and any other {@code X-Forwarded-*} the visitor sent is removed. The
     * {@code Host} the service sees may be the route's, and a password for the tunnel is not passed on.
     */
    public static void forwarded(HttpRequest request, InetAddress visitor, Route route) {
        HttpHeaders headers = request.headers();
        boolean webSocket = webSocketUpgrade(headers);
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        boolean chunked = headers.contains(HttpHeaderNames.TRANSFER_ENCODING);
        List<String> drop = new ArrayList<>(HOP_BY_HOP);
        if (webSocket) {
            drop.remove("upgrade");
        }
        for (String value : headers.getAll(HttpHeaderNames.CONNECTION)) {
            for (String token : value.split(",")) {
                String nominated = token.trim().toLowerCase(Locale.ROOT);
                if (!nominated.equals("upgrade") || !webSocket) {
                    drop.add(nominated);
                }
            }
        }
        for (String name : List.copyOf(headers.names())) {
            String lower = name.toLowerCase(Locale.ROOT);
            if (drop.contains(lower) || lower.startsWith("x-forwarded-") || lower.equals("forwarded")
                    || lower.equals("x-real-ip")) {
                headers.remove(name);
            }
        }
        if (chunked) {
            headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        if (webSocket) {
            headers.set("Connection", "Upgrade");
        } else if (keepAlive && request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
            headers.set("Connection", "keep-alive");
        }
        String host = headers.get(HttpHeaderNames.HOST, "");
        String address = visitor.getHostAddress();
        headers.set("X-Forwarded-For", address);
        headers.set("X-Forwarded-Proto", "http");
        headers.set("X-Forwarded-Host", host);
        headers.set("X-Real-IP", address);
        String node = visitor instanceof Inet6Address ? "\"[" + address + "]\"" : address;
        headers.set("Forwarded", "for=" + node + ";host=" + quoted(host) + ";proto=http");
        if (!route.basicAuth().isEmpty()) {
            headers.remove(HttpHeaderNames.AUTHORIZATION);
        }
        if (!route.hostHeader().isEmpty()) {
            headers.set(HttpHeaderNames.HOST, route.hostHeader());
        }
    }

    /**
     * Makes the service's {@code response} headers the ones the visitor sees: hop-by-hop headers, and those its
     * {@code Connection} nominates, were meant for the rendezvous (the service's keep-alive, its proxy
     * challenges, an {@code Upgrade: h2c} offer the rendezvous does not take) and are removed. What is left
     * of {@code Connection} is the rendezvous' own: {@code Upgrade} for the 101 of a WebSocket ({@code Upgrade}
     * stays), {@code close} when it closes after this response, {@code keep-alive} for an HTTP/1.0 visitor it
     * keeps. {@code Transfer-Encoding} stays as framing, written exactly {@code chunked}, since the visitor's
     * codec frames the body by it.
     */
    static void toVisitor(HttpResponse response, boolean webSocket, boolean close, boolean visitorHttp10) {
        HttpHeaders headers = response.headers();
        List<String> drop = new ArrayList<>(HOP_BY_HOP);
        for (String value : headers.getAll(HttpHeaderNames.CONNECTION)) {
            for (String token : value.split(",")) {
                drop.add(token.trim().toLowerCase(Locale.ROOT));
            }
        }
        // Kept, or rewritten in place below, so that what was already right keeps its place among the headers.
        drop.removeAll(List.of("connection", "transfer-encoding"));
        if (webSocket) {
            drop.removeAll(List.of("upgrade"));
        }
        for (String name : List.copyOf(headers.names())) {
            if (drop.contains(name.toLowerCase(Locale.ROOT))) {
                headers.remove(name);
            }
        }
        if (HttpUtil.isTransferEncodingChunked(response)) {
            rewrite(headers, "Transfer-Encoding", HttpHeaderValues.CHUNKED);
        }
        CharSequence connection = webSocket ? HttpHeaderValues.UPGRADE : close ? HttpHeaderValues.CLOSE
                : visitorHttp10 ? HttpHeaderValues.KEEP_ALIVE : null;
        rewrite(headers, "Connection", connection);
    }

    /** Sets {@code name} to exactly {@code value} (null: removes it), leaving it where it was if it was that already. */
    private static void rewrite(HttpHeaders headers, String name, CharSequence value) {
        List<String> now = headers.getAll(name);
        if (value == null) {
            headers.remove(name);
        } else if (now.size() != 1 || !now.get(0).trim().equalsIgnoreCase(value.toString())) {
            headers.remove(name);
            headers.set(name, value);
        }
    }

    /** An RFC 7230 quoted-string: the Host came from the visitor, so quotes and backslashes are escaped. */
    private static String quoted(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
