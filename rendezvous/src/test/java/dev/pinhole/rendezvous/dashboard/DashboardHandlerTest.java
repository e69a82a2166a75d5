package dev.pinhole.rendezvous.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dashboard's routes and their authentication, on an EmbeddedChannel. */
class DashboardHandlerTest {
    @TempDir Path dir;
    AdminSecret secret;
    String value;
    final AtomicInteger failures = new AtomicInteger();
    EmbeddedChannel channel;

    @BeforeEach
    void setUp() throws Exception {
        secret = AdminSecret.loadOrCreate(dir.resolve("dashboard-secret"));
        value = Files.readString(dir.resolve("dashboard-secret")).trim();
        DashboardSource source = new DashboardSource() {
            @Override public Map<String, Object> state() { return Map.of("peers", List.of("p1")); }
            @Override public String metrics() { return "pinhole_peers_connected 1\n"; }
        };
        channel = new EmbeddedChannel(new DashboardHandler(secret, source, failures::incrementAndGet));
    }

    FullHttpResponse send(HttpMethod method, String uri, String body, String header, String headerValue) {
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri,
                Unpooled.copiedBuffer(body == null ? "" : body, StandardCharsets.UTF_8));
        if (header != null) {
            request.headers().set(header, headerValue);
        }
        channel.writeInbound(request);
        return channel.readOutbound();
    }

    static String body(FullHttpResponse response) {
        String text = response.content().toString(StandardCharsets.UTF_8);
        response.release();
        return text;
    }

    @Test
    void theSecretIsCreatedOnceNeverDefaultAndOnlyHinted() throws Exception {
        assertTrue(value.startsWith("phd_") && value.length() > 40, value);
        assertEquals(value, Files.readString(dir.resolve("dashboard-secret")).trim());
        assertTrue(AdminSecret.loadOrCreate(dir.resolve("dashboard-secret")).matches(value), "kept across restarts");
        assertEquals(value.substring(0, 8) + "…", secret.hint());
        assertEquals(Set.of(PosixFilePermission.OWNER_READ,
                PosixFilePermission.OWNER_WRITE), Files.getPosixFilePermissions(dir.resolve("dashboard-secret")));
    }

    @Test
    void aWrongSecretIsRefusedAndCounted() {
        FullHttpResponse response = send(HttpMethod.POST, "/login", "secret=phd_wrong", null, null);
        assertEquals(401, response.status().code());
        assertTrue(body(response).contains("Wrong secret."));
        assertEquals(1, failures.get());
        assertEquals(401, send(HttpMethod.GET, "/api/state", null, null, null).status().code());
    }

    @Test
    void loggingInGivesACookieThatOpensTheApi() {
        assertTrue(body(send(HttpMethod.GET, "/", null, null, null)).contains("name=secret"), "the login form first");
        FullHttpResponse login = send(HttpMethod.POST, "/login", "secret=" + value, null, null);
        assertEquals(303, login.status().code());
        String cookie = login.headers().get(HttpHeaderNames.SET_COOKIE);
        login.release();
        assertTrue(cookie.toLowerCase().contains("httponly") && cookie.contains("SameSite=Strict"), cookie);
        String pair = cookie.substring(0, cookie.indexOf(';'));
        FullHttpResponse state = send(HttpMethod.GET, "/api/state", null, "Cookie", pair);
        assertEquals(200, state.status().code());
        assertEquals("{\"peers\":[\"p1\"]}", body(state));
        assertTrue(body(send(HttpMethod.GET, "/", null, "Cookie", pair)).contains("id=sessions"), "then the dashboard");
        send(HttpMethod.POST, "/logout", null, "Cookie", pair).release();
        assertEquals(401, send(HttpMethod.GET, "/api/state", null, "Cookie", pair).status().code(), "logged out");
        assertEquals(0, failures.get());
    }

    @Test
    void metricsTakeTheSecretAsABearerToken() {
        FullHttpResponse metrics = send(HttpMethod.GET, "/metrics", null, "Authorization", "Bearer " + value);
        assertEquals(200, metrics.status().code());
        assertTrue(metrics.headers().get(HttpHeaderNames.CONTENT_TYPE).startsWith("text/plain; version=0.0.4"));
        assertEquals("pinhole_peers_connected 1\n", body(metrics));
        assertEquals(401, send(HttpMethod.GET, "/metrics", null, "Authorization", "Bearer phd_nope").status().code());
        assertEquals(401, send(HttpMethod.GET, "/metrics", null, null, null).status().code());
        FullHttpResponse missing = send(HttpMethod.GET, "/nope", null, null, null);
        assertEquals(404, missing.status().code());
        assertFalse(missing.headers().get("Content-Security-Policy").isEmpty());
    }
}
