package dev.pinhole.lab;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.peer.node.Exposer;
import dev.pinhole.protocol.tls.Identity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dashboard in real headless Chromium: a wrong secret is refused, the right one shows the live registry. */
class BrowserDashboardTest {
    @TempDir Path dir;

    @BeforeAll
    static void browserAvailable() {
        Prerequisites.require(WebDriver.unavailable());
    }

    @Test
    void logInAndWatchAPeerAServiceAndASessionAppear() throws Exception {
        try (Rig rig = new Rig(dir); LocalWebServer web = new LocalWebServer()) {
            rig.startServerWithStun();
            String url = "http://127.0.0.1:" + rig.server.dashboard().address().getPort() + "/";
            String secret = Files.readString(rig.server.dataDir().dashboardSecretFile()).trim();
            Files.createDirectories(dir.resolve("browser/profile"));
            try (WebDriver browser = new WebDriver(dir.resolve("browser/profile"))) {
                browser.open(url);
                browser.type("#secret", "phd_not-the-secret");
                browser.click("#login");
                await().atMost(Duration.ofSeconds(10)).until(() -> browser.text("#error").equals("Wrong secret."));
                assertTrue(browser.find("#sessions").isEmpty(), "no dashboard without the secret");

                browser.type("#secret", secret);
                browser.click("#login");
                await().atMost(Duration.ofSeconds(10)).until(() -> !browser.find("#sessions").isEmpty());

                var exposer = rig.expose(Identity.generate("a"), rig.joinCode(), new Exposer.Service("web", "127.0.0.1", web.port(),
                        List.of(Exposer.Publication.http("", List.of()))));
                await().atMost(Duration.ofSeconds(10)).until(() -> exposer.out().last("published").isPresent());
                String publicUrl = exposer.out().last("published").orElseThrow().path("url").asText();
                Identity bob = Identity.generate("b");
                rig.connectReady(bob, "web");
                await().atMost(Duration.ofSeconds(10)).until(() -> browser.text("#services tbody tr td").equals("web"));
                await().atMost(Duration.ofSeconds(10)).until(() -> browser.find("#peers tbody tr").size() == 2);
                await().atMost(Duration.ofSeconds(10)).until(() -> browser.text("#sessions tbody tr").contains("direct"));
                assertEquals(1, browser.find("#sessions tbody tr").size());
                String row = browser.text("#sessions tbody tr");
                assertTrue(row.contains("web") && row.contains(bob.keyFingerprint()), row);
                assertTrue(browser.text("#services tbody tr").contains(publicUrl), browser.text("#services tbody tr"));

                // The friend: opens the URL in a browser, with nothing installed.
                browser.open(publicUrl + "/hello");
                await().atMost(Duration.ofSeconds(10)).until(() -> browser.text("body").equals(LocalWebServer.HELLO.trim()));
                browser.open(publicUrl.replace("//web.", "//nobody.") + "/");
                await().atMost(Duration.ofSeconds(10)).until(() -> browser.text("h1").equals("404 Not Found"));
                assertTrue(browser.text("body").contains("No service is published as 'nobody'"), browser.text("body"));
            }
        }
    }
}
