package dev.pinhole.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a user finds in the archive (docs/install.md, "The archive"), and that the zip holds the same files. */
class ArchiveLayoutTest {
    static final List<String> COMMANDS = List.of("peer", "rendezvous", "diagnostics");

    @TempDir Path scratch;

    @Test
    void launchersJarsUnitsAndDocsAreWhereTheDocsSay() throws Exception {
        try (UnpackedArchive dist = UnpackedArchive.unpack(scratch)) {
            for (String command : COMMANDS) {
                Path posix = dist.root.resolve("bin").resolve(command);
                assertTrue(Files.isExecutable(posix), posix + ": not executable");
                assertTrue(Files.readString(posix).startsWith("#!/bin/sh\n"), posix + ": not a POSIX sh script");
                String windows = Files.readString(dist.root.resolve("bin").resolve(command + ".cmd"));
                assertTrue(windows.startsWith("@echo off\r\n") && !windows.replace("\r\n", "").contains("\n"),
                        command + ".cmd: expected CRLF line ends throughout");
            }
            assertFalse(Files.readString(dist.root.resolve("lib/launch.sh")).contains("\r"), "launch.sh: CR found");
            for (String module : List.of("protocol", "session", "peer", "rendezvous", "diagnostics")) {
                Path jar = dist.root.resolve("lib").resolve("pinhole-" + module + "-" + UnpackedArchive.version() + ".jar");
                assertTrue(Files.isRegularFile(jar), jar + ": missing");
            }
            for (String file : List.of("systemd/pinhole-rendezvous.service", "systemd/pinhole-peer.service",
                    "systemd/rendezvous.env", "systemd/peer.env", "systemd/pinhole.toml", "docs/install.md", "README.md")) {
                assertTrue(Files.isRegularFile(dist.root.resolve(file)), file + ": missing");
            }
            try (Stream<Path> files = Files.walk(dist.root)) {
                assertTrue(files.noneMatch(f -> f.getFileName().toString().startsWith("mvn")),
                        "the archive carries no Maven: the launchers need only Java");
            }
        }
    }

    @Test
    void theZipHoldsTheSameFilesAsTheTarball() throws Exception {
        Path tarball = UnpackedArchive.archive();
        Path zip = tarball.resolveSibling(tarball.getFileName().toString().replace(".tar.gz", ".zip"));
        Process tar = new ProcessBuilder("tar", "-tzf", tarball.toString()).redirectErrorStream(true).start();
        String listing = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(tar.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, tar.exitValue(), listing);
        Set<String> inTar = listing.lines().filter(n -> !n.endsWith("/")).collect(Collectors.toCollection(TreeSet::new));
        Set<String> inZip;
        try (ZipFile file = new ZipFile(zip.toFile())) {
            inZip = file.stream().filter(e -> !e.isDirectory()).map(ZipEntry::getName)
                    .collect(Collectors.toCollection(TreeSet::new));
        }
        assertEquals(inTar, inZip);
        assertTrue(inZip.size() > 20, "zip: " + inZip.size() + " files (expected: the jars and the launchers)");
    }
}
