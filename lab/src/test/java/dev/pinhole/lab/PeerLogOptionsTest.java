package dev.pinhole.lab;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --log-level and --log-format on the long-running peer commands, typed as a user types them. */
class PeerLogOptionsTest {
    static final String STAMP = "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}";

    @TempDir Path dir;

    String home(String name) {
        return dir.resolve(name).toString();
    }

    @Test
    void textLinesCarryDateTimeAndLevelAndJsonLinesTimeAndLevelBesideTheEvent() throws Exception {
        try (Rig rig = new Rig(dir)) {
            String join = rig.startServer(0).joinCode().toString();
            try (PeerCommand expose = new PeerCommand("expose", "8080", "--name", "web", "--server", join, "--home", home("a"))) {
                expose.awaitMatch("(?m)^(" + STAMP + " INFO  exposing 127\\.0\\.0\\.1:8080 as 'web')");
                try (PeerCommand connect = new PeerCommand("connect", "web", "--listen", "127.0.0.1:0", "--log-format", "json",
                        "--server", join, "--home", home("b"))) {
                    String ready = connect.awaitMatch("(?m)^(\\{.*\"event\":\"ready\".*})$");
                    JsonNode line = new ObjectMapper().readTree(ready);
                    assertEquals(List.of("time", "level", "event", "listen"), names(line).subList(0, 4), ready);
                    assertEquals("info", line.path("level").asText());
                    assertTrue(line.path("time").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"),
                            ready);
                }
            }
        }
    }

    @Test
    void levelWarnLeavesOutTheEventsButNotTheErrors() throws Exception {
        try (Rig rig = new Rig(dir)) {
            String join = rig.startServer(0).joinCode().toString();
            try (PeerCommand expose = new PeerCommand("expose", "8080", "--name", "web", "--log-level", "warn",
                    "--server", join, "--home", home("a"))) {
                await().atMost(Duration.ofSeconds(20)).until(() -> !rig.server.registry().services().isEmpty());
                assertEquals("", expose.log());
            }
            try (PeerCommand connect = new PeerCommand("connect", "nosuch", "--log-level", "error",
                    "--server", join, "--home", home("b"))) {
                String error = connect.awaitMatch("(?m)^(" + STAMP + " ERROR .*)$");
                assertTrue(error.contains("no service named 'nosuch'"), error);
            }
        }
    }

    @Test
    void aLevelItDoesNotKnowOrJsonWithTextIsAUsageError() {
        BadInputTest.Run level = OptionsTest.peer("connect", "web", "--log-level", "loud", "--home", home("b"));
        assertEquals(2, level.exit());
        assertTrue(level.err().contains("--log-level loud (expected: error, warn, info, debug)"), level.err());
        BadInputTest.Run both = OptionsTest.peer("expose", "8080", "--name", "web", "--json", "--log-format", "text",
                "--home", home("a"));
        assertEquals(2, both.exit());
        assertTrue(both.err().contains("--json with --log-format text (expected: one of them)"), both.err());
    }

    static List<String> names(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
