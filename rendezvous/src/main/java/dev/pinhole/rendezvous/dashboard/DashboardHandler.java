package dev.pinhole.rendezvous.dashboard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pinhole.rendezvous.metrics.PrometheusText;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.CookieHeaderNames;
import io.netty.handler.codec.http.cookie.DefaultCookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.netty.handler.codec.http.cookie.ServerCookieEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The dashboard's routes. {@code GET /} is the login form or the dashboard; {@code POST /login} checks
 * the admin secret and sets a session cookie (HttpOnly, SameSite=Strict); {@code GET /api/state} and
 * {@code GET /metrics} need that cookie or {@code Authorization: Bearer SECRET} (for Prometheus).
 * Shared by all connections of the dashboard listener.
 */
@ChannelHandler.Sharable
final class DashboardHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    static final String COOKIE = "pinhole_dashboard";
    /** A dashboard login lasts a working day. */
    static final long SESSION_MILLIS = 12 * 3600 * 1000L;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final AdminSecret secret;
    private final DashboardSource source;
    private final Runnable loginFailed;
    private final Map<String, Long> sessions = new ConcurrentHashMap<>();

    DashboardHandler(AdminSecret secret, DashboardSource source, Runnable loginFailed) {
        this.secret = secret;
        this.source = source;
        this.loginFailed = loginFailed;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) throws JsonProcessingException {
        if (!ctx.channel().isWritable()) {
            // Another request while our last answers still wait to be taken: browsers do not pipeline, and
            // answering would buffer for a client that does not read.
            ctx.close();
            return;
        }
        String path = new QueryStringDecoder(request.uri()).path();
        boolean get = request.method().equals(HttpMethod.GET);
        boolean post = request.method().equals(HttpMethod.POST);
        FullHttpResponse response;
        if (get && path.equals("/")) {
            response = html(HttpResponseStatus.OK, loggedIn(request) ? Pages.DASHBOARD : Pages.login(null));
        } else if (get && path.equals("/app.js")) {
            response = text(HttpResponseStatus.OK, "text/javascript; charset=utf-8", Pages.SCRIPT);
        } else if (post && path.equals("/login")) {
            response = login(request);
        } else if (post && path.equals("/logout")) {
            cookie(request).ifPresent(sessions::remove);
            response = redirect("/");
        } else if (get && path.equals("/api/state")) {
            response = authorised(request) ? text(HttpResponseStatus.OK, "application/json", JSON.writeValueAsString(source.state()))
                    : text(HttpResponseStatus.UNAUTHORIZED, "application/json", "{\"error\":\"log in first\"}");
        } else if (get && path.equals("/metrics")) {
            response = authorised(request) ? text(HttpResponseStatus.OK, PrometheusText.CONTENT_TYPE, source.metrics())
                    : text(HttpResponseStatus.UNAUTHORIZED, "text/plain; charset=utf-8", "send Authorization: Bearer <admin secret>\n");
        } else {
            response = text(HttpResponseStatus.NOT_FOUND, "text/plain; charset=utf-8", "not found\n");
        }
        response.headers().set("X-Content-Type-Options", "nosniff")
                .set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        HttpUtil.setKeepAlive(response, keepAlive);
        var written = ctx.writeAndFlush(response);
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }

    private FullHttpResponse login(FullHttpRequest request) {
        String body = request.content().toString(StandardCharsets.UTF_8);
        List<String> given = new QueryStringDecoder("?" + body).parameters().get("secret");
        if (given == null || given.size() != 1 || !secret.matches(given.get(0).trim())) {
            loginFailed.run();
            return html(HttpResponseStatus.UNAUTHORIZED, Pages.login("Wrong secret."));
        }
        byte[] random = new byte[24];
        RANDOM.nextBytes(random);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        long now = System.currentTimeMillis();
        sessions.entrySet().removeIf(e -> e.getValue() < now);
        sessions.put(token, now + SESSION_MILLIS);
        DefaultCookie cookie = new DefaultCookie(COOKIE, token);
        cookie.setHttpOnly(true);
        cookie.setPath("/");
        cookie.setMaxAge(SESSION_MILLIS / 1000);
        cookie.setSameSite(CookieHeaderNames.SameSite.Strict);
        FullHttpResponse response = redirect("/");
        response.headers().set(HttpHeaderNames.SET_COOKIE, ServerCookieEncoder.STRICT.encode(cookie));
        return response;
    }

    private boolean authorised(FullHttpRequest request) {
        String authorization = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (authorization != null && authorization.startsWith("Bearer ")) {
            return secret.matches(authorization.substring(7).trim());
        }
        return loggedIn(request);
    }

    private boolean loggedIn(FullHttpRequest request) {
        return cookie(request).map(sessions::get).map(expiry -> expiry > System.currentTimeMillis()).orElse(false);
    }

    private static Optional<String> cookie(FullHttpRequest request) {
        String header = request.headers().get(HttpHeaderNames.COOKIE);
        if (header == null) {
            return Optional.empty();
        }
        return ServerCookieDecoder.STRICT.decode(header).stream()
                .filter(c -> c.name().equals(COOKIE)).map(Cookie::value).findFirst();
    }

    private static FullHttpResponse redirect(String location) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SEE_OTHER);
        response.headers().set(HttpHeaderNames.LOCATION, location).setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        return response;
    }

    private static FullHttpResponse html(HttpResponseStatus status, String page) {
        return text(status, "text/html; charset=utf-8", page);
    }

    private static FullHttpResponse text(HttpResponseStatus status, String type, String body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, type)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
        return response;
    }
}
