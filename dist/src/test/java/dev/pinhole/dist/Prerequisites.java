package dev.pinhole.dist;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A tool a test drives (systemd-analyze) or an archive only some machines build. As in lab's suites: on a developer's machine a missing one skips the
 * test with its name; in CI ({@code CI=true}) it fails the build, so a green run cannot hide an unchecked unit.
 */
final class Prerequisites {
    private Prerequisites() {}

    static boolean ci() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Skips (fails under CI) unless {@code command} is on PATH; {@code install} names its package. */
    static void command(String command, String install) {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return;
            }
        }
        require("'" + command + "' (apt-get install -y " + install + ")");
    }

    /** Skips (fails under CI) because {@code what} is missing. */
    static void require(String what) {
        String why = "needs " + what;
        if (ci()) {
            fail("CI=true and a prerequisite is missing: " + why);
        }
        assumeTrue(false, () -> "SKIPPED: " + why);
    }
}
