package dev.pinhole.rendezvous.ingress.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * The pages the rendezvous answers with itself: a visitor with a browser should learn what went wrong
 * (unknown name, service offline, password needed) rather than see a dropped connection.
 */
public final class ErrorPages {
    private ErrorPages() {}

    /** A complete response; {@code head}: headers only; {@code keepAlive}: false adds Connection: close. */
    public static FullHttpResponse page(ByteBufAllocator alloc, HttpResponseStatus status, String detail,
                                        boolean head, boolean keepAlive) {
        String title = status.code() + " " + status.reasonPhrase();
        String html = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + escape(title)
                + "</title>\n<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:4em auto;padding:0 1em;color:#222}"
                + "h1{font-size:1.4em}small{color:#777}</style></head>\n<body><h1>" + escape(title) + "</h1>\n<p>"
                + escape(detail) + "</p>\n<p><small>pinhole rendezvous</small></p></body></html>\n";
        byte[] bytes = html.getBytes(StandardCharsets.UTF_8);
        ByteBuf body = head ? alloc.buffer(0) : alloc.buffer(bytes.length).writeBytes(bytes);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length)
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .set("X-Content-Type-Options", "nosniff");
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return response;
    }

    /** 401 with the challenge that makes browsers ask for a user name and password (RFC 7617). */
    public static FullHttpResponse unauthorized(ByteBufAllocator alloc, String name, boolean head, boolean keepAlive) {
        FullHttpResponse response = page(alloc, HttpResponseStatus.UNAUTHORIZED,
                "'" + name + "' is protected: a user name and password are needed.", head, keepAlive);
        response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Basic realm=\"" + name + "\", charset=\"UTF-8\"");
        return response;
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
