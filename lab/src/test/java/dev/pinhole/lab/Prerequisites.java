package dev.pinhole.lab;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.util.Optional;

/**
 * What the NAT lab and browser suites need (root, nftables, coturn, Chromium). On a developer's machine a missing
 * one skips the suite with its name; in CI ({@code CI=true}, as CI services set it) it fails the build, so a green
 * run cannot hide that the direct-path, IPv6 and browser behaviour went untested (docs/security.md, "Options").
 */
final class Prerequisites {
    private Prerequisites() {}

    /** Whether this is a CI run, where nothing may be skipped for want of a tool. */
    static boolean ci() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Skips (fails under CI) with {@code missing} when it is present. */
    static void require(Optional<String> missing) {
        if (missing.isPresent()) {
            String why = missing.get();
            if (ci()) {
                fail("CI=true and a prerequisite is missing: " + why);
            }
            assumeTrue(false, () -> "SKIPPED: " + why);
        }
    }

    /** The NAT lab's requirements. */
    static void natLab() {
        require(NatLab.unavailable());
    }

    /** A command the suite drives, named with the package that provides it. */
    static void command(String command, String install) throws IOException {
        require(NatLab.hasCommand(command) ? Optional.empty()
                : Optional.of("needs '" + command + "' (apt-get install -y " + install + ")"));
    }
}
