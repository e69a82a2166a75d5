package dev.pinhole.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.awaitility.Awaitility;

/**
 * Just enough of the W3C WebDriver protocol (plain JSON over HTTP) to drive Debian's headless Chromium
 * through chromedriver: open a page, type, click, read text. No Selenium: five endpoints do.
 */
final class WebDriver implements AutoCloseable {
    static final String CHROMIUM = "/usr/bin/chromium";
    static final String CHROMEDRIVER = "/usr/bin/chromedriver";
    /** W3C's key for element references in JSON. */
    static final String ELEMENT = "element-6066-11e4-a52e-4f735466cecf";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process driver;
    private final String base;
    private final HttpClient http = HttpClient.newHttpClient();
    private String session;

    /** Why a browser test cannot run here, or empty. */
    static Optional<String> unavailable() {
        if (!Files.isExecutable(Path.of(CHROMIUM)) || !Files.isExecutable(Path.of(CHROMEDRIVER))) {
            return Optional.of("needs Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver)");
        }
        return Optional.empty();
    }

    WebDriver(Path profile) throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        driver = new ProcessBuilder(CHROMEDRIVER, "--port=" + port).redirectErrorStream(true)
                .redirectOutput(profile.resolveSibling("chromedriver.log").toFile()).start();
        base = "http://127.0.0.1:" + port;
        Awaitility.await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
                .until(() -> call("GET", "/status", null).path("value").path("ready").asBoolean());
        ObjectNode options = JSON.createObjectNode().put("binary", CHROMIUM);
        // No sandbox (root in CI), no network chatter of its own (this machine's network is closed). The lab's
        // ingress domain resolves to loopback, as a wildcard DNS record would point it at the rendezvous.
        for (String arg : List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--host-resolver-rules=MAP *." + Rig.DOMAIN + " 127.0.0.1",
                "--user-data-dir=" + profile)) {
            options.withArray("args").add(arg);
        }
        ObjectNode body = JSON.createObjectNode();
        body.putObject("capabilities").putObject("alwaysMatch").put("browserName", "chrome").set("goog:chromeOptions", options);
        session = call("POST", "/session", body).path("value").path("sessionId").asText();
    }

    void open(String url) throws Exception {
        call("POST", "/session/" + session + "/url", JSON.createObjectNode().put("url", url));
    }

    /** Elements matching a CSS selector (their WebDriver ids). */
    List<String> find(String css) throws Exception {
        JsonNode found = call("POST", "/session/" + session + "/elements",
                JSON.createObjectNode().put("using", "css selector").put("value", css));
        List<String> ids = new ArrayList<>();
        found.path("value").forEach(e -> ids.add(e.path(ELEMENT).asText()));
        return ids;
    }

    /**
     * The rendered text of the first element matching {@code css}, or "" when there is none. Found and read in one
     * script: the dashboard redraws its tables every 2 s, and an element found by one call may be gone by the next.
     */
    String text(String css) throws Exception {
        var args = JSON.createArrayNode().add(css);
        return call("POST", "/session/" + session + "/execute/sync", JSON.createObjectNode()
                .put("script", "const e = document.querySelector(arguments[0]); return e ? e.innerText.trim() : '';")
                .set("args", args)).path("value").asText();
    }

    void type(String css, String text) throws Exception {
        call("POST", "/session/" + session + "/element/" + find(css).get(0) + "/value", JSON.createObjectNode().put("text", text));
    }

    void click(String css) throws Exception {
        call("POST", "/session/" + session + "/element/" + find(css).get(0) + "/click", JSON.createObjectNode());
    }

    private JsonNode call(String method, String path, JsonNode body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json");
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = JSON.readTree(response.body());
        if (response.statusCode() >= 400) {
            throw new IOException("WebDriver " + method + " " + path + ": " + json.path("value").path("message").asText(response.body()));
        }
        return json;
    }

    @Override
    public void close() throws Exception {
        try {
            if (session != null) {
                call("DELETE", "/session/" + session, null);
            }
        } finally {
            driver.destroy();
        }
    }
}
