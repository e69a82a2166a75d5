package dev.pinhole.lab;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.pinhole.peer.node.Exposer;
import dev.pinhole.protocol.Cidr;
import dev.pinhole.protocol.tls.Identity;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * "Send my friend a URL": services published with {@code --http} / {@code --https} reached by name through
 * the rendezvous, by a visitor with no peer, over real sockets, TLS and QUIC (the Host header is set by
 * hand, as a wildcard DNS record would route it).
 */
class HttpIngressTest {
    @TempDir Path dir;

    static String host(JsonNode published) {
        return URI.create(published.path("url").asText()).getAuthority();
    }

    static int port(JsonNode published) {
        return URI.create(published.path("url").asText()).getPort();
    }

    Rig.Running<Exposer> publish(Rig rig, String name, int port, Exposer.Publication... publications) {
        try {
            var exposer = rig.expose(Identity.generate(name), rig.joinCode(),
                    new Exposer.Service(name, "127.0.0.1", port, List.of(publications)));
            await().atMost(Duration.ofSeconds(10)).until(() -> exposer.out().last("published").isPresent());
            return exposer;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aVisitorReachesTheServiceByNameOverOneKeepAliveConnection() throws Exception {
        try (Rig rig = new Rig(dir); LocalWebServer web = new LocalWebServer()) {
            rig.startServerWithStun();
            JsonNode published = publish(rig, "web", web.port(), Exposer.Publication.http("", List.of()))
                    .out().last("published").orElseThrow();
            assertTrue(published.path("url").asText().matches("http://web\\.pinhole\\.test:[0-9]+"), published.toString());

            try (RawHttp visitor = new RawHttp("127.0.0.1", port(published))) {
                RawHttp.Response hello = visitor.get(host(published), "/hello");
                assertEquals(200, hello.status());
                assertEquals(LocalWebServer.HELLO, hello.body());
                RawHttp.Response headers = visitor.get(host(published), "/headers", "X-Forwarded-For: 192.0.2.1");
                assertTrue(headers.body().contains("x-forwarded-for: 127.0.0.1\n"), "ours, not the visitor's: " + headers.body());
                assertTrue(headers.body().contains("x-real-ip: 127.0.0.1\n"), headers.body());
                assertTrue(headers.body().contains("x-forwarded-proto: http\n"), headers.body());
                assertTrue(headers.body().contains("x-forwarded-host: " + host(published) + "\n"), headers.body());
                RawHttp.Response unknown = visitor.get("nobody.pinhole.test", "/");
                assertEquals(404, unknown.status());
                assertTrue(unknown.body().contains("No service is published as &#39;nobody&#39;"), unknown.body());
                assertEquals(200, visitor.get(host(published), "/hello").status(), "still the same connection");
            }

            String secret = Files.readString(rig.server.dataDir().dashboardSecretFile()).trim();
            String base = "http://127.0.0.1:" + rig.server.dashboard().address().getPort();
            HttpClient http = HttpClient.newHttpClient();
            JsonNode state = new ObjectMapper().readTree(http.send(HttpRequest.newBuilder(URI.create(base + "/api/state"))
                    .header("Authorization", "Bearer " + secret).build(), HttpResponse.BodyHandlers.ofString()).body());
            assertEquals(published.path("url").asText(), state.path("services").get(0).path("urls").get(0).asText());
            String metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
                    .header("Authorization", "Bearer " + secret).build(), HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(metrics.contains("pinhole_ingress_requests_total{status=\"200\"} 3\n"), metrics);
            assertTrue(metrics.contains("pinhole_ingress_requests_total{status=\"404\"} 1\n"), metrics);
        }
    }

    @Test
    void aServiceThatChecksItsHostHeaderCanHaveItRewritten() throws Exception {
        try (Rig rig = new Rig(dir); LocalWebServer web = new LocalWebServer()) {
            rig.startServerWithStun();
            // The ingress half; OptionsTest types `--host-header rewrite` itself, through the CLI.
            String local = "127.0.0.1:" + web.port();
            JsonNode published = publish(rig, "dev", web.port(), Exposer.Publication.http("", List.of()).withHostHeader(local))
                    .out().last("published").orElseThrow();
            try (RawHttp visitor = new RawHttp("127.0.0.1", port(published))) {
                String seen = visitor.get(host(published), "/headers").body();
                assertTrue(seen.contains("host: " + local + "\n"), seen);
                assertTrue(seen.contains("x-forwarded-host: " + host(published) + "\n"), seen);
            }
        }
    }

    @Test
    void largeDownloadsArriveIntact() throws Exception {
        try (Rig rig = new Rig(dir); LocalWebServer web = new LocalWebServer()) {
            rig.startServerWithStun();
            JsonNode published = publish(rig, "web", web.port(), Exposer.Publication.http("", List.of()))
                    .out().last("published").orElseThrow();
            long size = 20L * 1024 * 1024;
            try (RawHttp visitor = new RawHttp("127.0.0.1", port(published))) {
                visitor.send("GET /blob/" + size + " HTTP/1.1\r\nHost: " + host(published) + "\r\n\r\n");
                var digest = MessageDigest.getInstance("SHA-256");
                RawHttp.Response response = readHead(visitor);
                assertEquals(200, response.status(), response.body());
                for (long left = size; left > 0; ) {
                    byte[] chunk = visitor.readExactly((int) Math.min(1 << 20, left));
                    assertTrue(chunk.length > 0);
                    digest.update(chunk);
                    left -= chunk.length;
                }
                var want = MessageDigest.getInstance("SHA-256");
                LocalWebServer.writeBlob(new DigestOutputStream(OutputStream.nullOutputStream(), want), size);
                assertArrayEquals(want.digest(), digest.digest());
            }
        }
    }

    @Test
    void largeUploadsArriveIntact() throws Exception {
        try (Rig rig = new Rig(dir); LocalWebServer web = new LocalWebServer()) {
            rig.startServerWithStun();
            JsonNode published = publish(rig, "web", web.port(), Exposer.Publication.http("", List.of()))
                    .out().last("published").orElseThrow();
            int size = 20 * 1024 * 1024;
            byte[] body = new byte[size];
            new Random(7).nextBytes(body);
            try (RawHttp visitor = new RawHttp("127.0.0.1", port(published))) {
                visitor.send("POST /sha256 HTTP/1.1\r\nHost: " + host(published) + "\r\nContent-Length: " + size + "\r\n\r\n");
                visitor.send(body);
                RawHttp.Response response = visitor.read();
                assertEquals(200, response.status());
                assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body)),
                        response.body());
            }
        }
    }

    /** Reads a status line and headers, leaving the body on the socket. */
    private static RawHttp.Response readHead(RawHttp visitor) throws Exception {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = visitor.readByte();
            assertTrue(b >= 0, "closed in the head: " + head);
            head.append((char) b);
        }
        return new RawHttp.Response(Integer.parseInt(head.toString().split(" ")[1]), Map.of(), head.toString());
    }

    @Test
    void aWebSocketConversationPassesThrough() throws Exception {
        try (Rig rig = new Rig(dir); WebSocketEcho echo = new WebSocketEcho()) {
            rig.startServerWithStun();
            JsonNode published = publish(rig, "chat", echo.port(), Exposer.Publication.http("", List.of()))
                    .out().last("published").orElseThrow();
            try (RawHttp visitor = new RawHttp("127.0.0.1", port(published))) {
                visitor.send("GET /ws HTTP/1.1\r\nHost: " + host(published) + "\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
                RawHttp.Response switched = visitor.read();
                assertEquals(101, switched.status());
                assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", switched.headers().get("sec-websocket-accept"));
                for (String message : List.of("hi", "second message")) {
                    visitor.send(WebSocketEcho.maskedText(message));
                    byte[] header = visitor.readExactly(2);
                    assertEquals((byte) 0x81, header[0]);
                    String text = new String(visitor.readExactly(header[1]), StandardCharsets.UTF_8);
                    assertEquals("echo: " + message, text);
                }
            }
        }
    }

    @Test
    void aServiceThatIsDownOrAnExposerThatLeftGets502() throws Exception {
        Socket reserved = new Socket(); // bound, not listening: refused, and never handed to another listener
        reserved.bind(new InetSocketAddress("127.0.0.1", 0));
        int nothing = reserved.getLocalPort();
        try (reserved; Rig rig = new Rig(dir)) {
            rig.startServerWithStun();
            var exposer = publish(rig, "down", nothing, Exposer.Publication.http("", List.of()));
            JsonNode published = exposer.out().last("published").orElseThrow();
            try (RawHttp visitor = new RawHttp("127.0.0.1", port(published))) {
                RawHttp.Response down = visitor.get(host(published), "/");
                assertEquals(502, down.status());
                assertTrue(down.body().contains("closed the connection without answering"), down.body());
            }
            exposer.node().close();
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                try (RawHttp visitor = new RawHttp("127.0.0.1", port(published))) {
                    return visitor.get(host(published), "/").body().contains("its exposer is offline right now");
                }
            });
        }
    }

    @Test
    void aPasswordAndAnAllowListAreEnforcedAtTheRendezvous() throws Exception {
        try (Rig rig = new Rig(dir); LocalWebServer web = new LocalWebServer()) {
            rig.startServerWithStun();
            JsonNode guarded = publish(rig, "guarded", web.port(), Exposer.Publication.http("ann:s3cret", List.of()))
                    .out().last("published").orElseThrow();
            assertTrue(guarded.path("password").asBoolean());
            JsonNode office = publish(rig, "office", web.port(), Exposer.Publication.http("", List.of(Cidr.parse("203.0.113.0/24"))))
                    .out().last("published").orElseThrow();
            try (RawHttp visitor = new RawHttp("127.0.0.1", port(guarded))) {
                RawHttp.Response challenge = visitor.get(host(guarded), "/hello");
                assertEquals(401, challenge.status());
                assertEquals("Basic realm=\"guarded\", charset=\"UTF-8\"", challenge.headers().get("www-authenticate"));
                String wrong = Base64.getEncoder().encodeToString("ann:guess".getBytes(StandardCharsets.UTF_8));
                assertEquals(401, visitor.get(host(guarded), "/hello", "Authorization: Basic " + wrong).status());
                String right = Base64.getEncoder().encodeToString("ann:s3cret".getBytes(StandardCharsets.UTF_8));
                RawHttp.Response headers = visitor.get(host(guarded), "/headers", "Authorization: Basic " + right);
                assertEquals(200, headers.status());
                assertTrue(!headers.body().contains("authorization"), "the password stays at the rendezvous: " + headers.body());

                RawHttp.Response refused = visitor.get(host(office), "/hello");
                assertEquals(403, refused.status());
                assertTrue(refused.body().contains("does not accept visitors from 127.0.0.1"), refused.body());
            }
        }
    }

    @Test
    void httpsPassesThroughToTheServicesOwnTls() throws Exception {
        Identity service = Identity.generate("secure.pinhole.test");
        HttpsServer https = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        https.setHttpsConfigurator(new HttpsConfigurator(serverContext(service)));
        https.createContext("/", exchange -> {
            byte[] body = "end to end".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        https.start();
        try (Rig rig = new Rig(dir)) {
            rig.startServerWithStun();
            JsonNode published = publish(rig, "secure", https.getAddress().getPort(), Exposer.Publication.https(List.of()))
                    .out().last("published").orElseThrow();
            assertTrue(published.path("url").asText().matches("https://secure\\.pinhole\\.test:[0-9]+"), published.toString());

            SSLContext client = SSLContext.getInstance("TLSv1.3");
            client.init(null, new TrustManager[] {onlyTrusting(service.certificate())}, null);
            Socket plain = new Socket("127.0.0.1", port(published));
            SSLSocket tls = (SSLSocket) client.getSocketFactory().createSocket(plain, "secure.pinhole.test", port(published), true);
            SSLParameters parameters = tls.getSSLParameters();
            parameters.setServerNames(List.of(new SNIHostName("secure.pinhole.test")));
            tls.setSSLParameters(parameters);
            tls.startHandshake();
            assertEquals(service.certificate(), tls.getSession().getPeerCertificates()[0], "the service's own certificate");
            try (RawHttp visitor = new RawHttp(tls)) {
                RawHttp.Response response = visitor.get(host(published), "/");
                assertEquals(200, response.status());
                assertEquals("end to end", response.body());
            }
        } finally {
            https.stop(0);
        }
    }

    private static SSLContext serverContext(Identity identity) throws Exception {
        char[] password = "test".toCharArray();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("service", identity.privateKey(), password, new X509Certificate[] {identity.certificate()});
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(keys, password);
        SSLContext context = SSLContext.getInstance("TLSv1.3");
        context.init(factory.getKeyManagers(), null, null);
        return context;
    }

    private static X509TrustManager onlyTrusting(X509Certificate expected) {
        return new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                throw new CertificateException("no client certificates here");
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                if (!chain[0].equals(expected)) {
                    throw new CertificateException("not the service's certificate");
                }
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
    }
}
