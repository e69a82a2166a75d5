package dev.pinhole.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The peer launcher starts from the class-data-sharing archive made at package time when it fits the Java that runs
 * it, wherever the archive was unpacked, and starts as usual, printing nothing more, when it does not (docs/operations.md,
 * "Start-up and memory").
 */
class ClassDataSharingTest {
    /** How a JVM logs a class that came from the application's archive, with -Xlog:class+load. */
    static final String FROM_ARCHIVE = "dev.pinhole.peer.cli.PeerCli source: shared objects file (top)";

    @TempDir Path scratch;

    /** {@code bin/peer --version} with the JVM's class loading logged: what it printed, after checking it exited 0. */
    static String versionWithClassLoading(UnpackedArchive dist, Map<String, String> base, Path log) throws Exception {
        Map<String, String> env = new HashMap<>(base);
        env.put("PINHOLE_JAVA_OPTS", "-Xlog:class+load");
        int exit = dist.run(log, env, "peer", "--version");
        String out = UnpackedArchive.read(log);
        assertEquals(0, exit, out);
        return out;
    }

    /** What a user sees of {@code bin/peer --version}: the version lines and nothing else, no JVM warning. */
    static void assertOnlyTheVersion(UnpackedArchive dist, Map<String, String> env, Path log) throws Exception {
        int exit = dist.run(log, env, "peer", "--version");
        String out = UnpackedArchive.read(log);
        assertEquals(0, exit, out);
        assertTrue(out.startsWith("pinhole " + UnpackedArchive.version() + "\n"), out);
        assertEquals(2, out.lines().count(), "expected only the version lines, got:\n" + out);
    }

    @Test
    void thePeerStartsFromTheArchiveMadeForTheSameJava() throws Exception {
        try (UnpackedArchive dist = UnpackedArchive.unpack(scratch)) {
            assertTrue(Files.isRegularFile(dist.root.resolve("lib/peer.jsa")), "lib/peer.jsa: missing");
            String out = versionWithClassLoading(dist, dist.javaOnlyEnvironment(), scratch.resolve("cds.log"));
            assertTrue(out.contains(FROM_ARCHIVE), "PeerCli not loaded from lib/peer.jsa:\n" + tail(out));
            assertOnlyTheVersion(dist, dist.javaOnlyEnvironment(), scratch.resolve("plain.log"));
        }
    }

    @Test
    void withoutTheArchiveThePeerStartsAndSaysNothingMore() throws Exception {
        try (UnpackedArchive dist = UnpackedArchive.unpack(scratch)) {
            Files.delete(dist.root.resolve("lib/peer.jsa"));
            assertOnlyTheVersion(dist, dist.javaOnlyEnvironment(), scratch.resolve("missing.log"));
        }
    }

    @Test
    void aChangedJarLeavesTheArchiveUnusedAndUnmentioned() throws Exception {
        try (UnpackedArchive dist = UnpackedArchive.unpack(scratch)) {
            // As after a hand-made upgrade of one jar: the archive records each jar's size and date.
            Path jar = dist.root.resolve("lib/pinhole-peer-" + UnpackedArchive.version() + ".jar");
            Files.setLastModifiedTime(jar, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() + 60_000));
            String out = versionWithClassLoading(dist, dist.javaOnlyEnvironment(), scratch.resolve("stale.log"));
            assertTrue(!out.contains(FROM_ARCHIVE), "loaded from an archive whose jar changed:\n" + tail(out));
            assertOnlyTheVersion(dist, dist.javaOnlyEnvironment(), scratch.resolve("plain.log"));
        }
    }

    @Test
    void anArchiveMadeForAnotherJavaIsIgnoredQuietly() throws Exception {
        Path bundled = Files.createDirectories(scratch.resolve("self-contained"));
        Path plain = Files.createDirectories(scratch.resolve("plain"));
        try (UnpackedArchive other = UnpackedArchive.unpack(UnpackedArchive.selfContained(), bundled);
             UnpackedArchive dist = UnpackedArchive.unpack(plain)) {
            // The bundled runtime's archive extends that runtime's own JDK archive, not the one of this Java.
            Files.copy(other.root.resolve("runtime/lib/peer.jsa"), dist.root.resolve("lib/peer.jsa"),
                    StandardCopyOption.REPLACE_EXISTING);
            String out = versionWithClassLoading(dist, dist.javaOnlyEnvironment(), scratch.resolve("other.log"));
            assertTrue(!out.contains(FROM_ARCHIVE), "loaded from another Java's archive:\n" + tail(out));
            assertOnlyTheVersion(dist, dist.javaOnlyEnvironment(), scratch.resolve("plain.log"));
        }
    }

    @Test
    void theSelfContainedRuntimeStartsThePeerFromItsOwnArchive() throws Exception {
        try (UnpackedArchive dist = UnpackedArchive.unpack(UnpackedArchive.selfContained(), scratch)) {
            assertTrue(Files.notExists(dist.root.resolve("lib/peer.jsa")), "lib/peer.jsa: the build's, not needed here");
            Map<String, String> noJava = Map.of("PATH", "/usr/bin:/bin", "HOME", scratch.toString());
            String out = versionWithClassLoading(dist, noJava, scratch.resolve("cds.log"));
            assertTrue(out.contains(FROM_ARCHIVE), "PeerCli not loaded from runtime/lib/peer.jsa:\n" + tail(out));
            assertOnlyTheVersion(dist, noJava, scratch.resolve("plain.log"));
        }
    }

    private static String tail(String out) {
        return out.length() <= 4_000 ? out : "…" + out.substring(out.length() - 4_000);
    }
}
