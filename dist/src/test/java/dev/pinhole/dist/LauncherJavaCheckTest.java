package dev.pinhole.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The archive's POSIX launchers find Java through JAVA_HOME or PATH and refuse one older than 17 with a message
 * that says what to do, before the JVM would fail on a class version it cannot read.
 */
class LauncherJavaCheckTest {
    @TempDir Path scratch;
    private UnpackedArchive dist;

    @BeforeEach
    void unpack() throws Exception {
        dist = UnpackedArchive.unpack(scratch);
    }

    @AfterEach
    void stop() {
        dist.close();
    }

    /** A fake Java home: {@code bin/java} prints {@code versionLine} as 'java -version' does; a release file if given. */
    Path fakeJavaHome(String name, String versionLine, String release) throws IOException {
        Path home = Files.createDirectories(scratch.resolve(name).resolve("bin")).getParent();
        Path java = home.resolve("bin/java");
        Files.writeString(java, "#!/bin/sh\necho '" + versionLine + "' >&2\nexit 0\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        if (release != null) {
            Files.writeString(home.resolve("release"), release);
        }
        return home;
    }

    String runPeer(Map<String, String> env, int expectedExit) throws Exception {
        Path log = Files.createTempFile(scratch, "peer", ".log");
        int exit = dist.run(log, env, "peer", "--version");
        String out = UnpackedArchive.read(log);
        assertEquals(expectedExit, exit, out);
        return out;
    }

    @Test
    void javaElevenNamedByItsReleaseFileIsRefused() throws Exception {
        Path home = fakeJavaHome("jdk-11", "openjdk version \"11.0.2\" 2019-01-15",
                "IMPLEMENTOR=\"Example\"\nJAVA_VERSION=\"11.0.2\"\n");
        String out = runPeer(Map.of("JAVA_HOME", home.toString(), "PATH", "/usr/bin:/bin"), 1);
        assertEquals("peer: Java 11.0.2 at " + home + "/bin/java is too old (expected: 17 or newer; install one,"
                + " e.g. apt-get install openjdk-17-jre-headless, or set JAVA_HOME to one)\n", out);
    }

    @Test
    void javaEightWithoutAReleaseFileIsAskedForItsVersionAndRefused() throws Exception {
        Path home = fakeJavaHome("jre8", "java version \"1.8.0_381\"", null);
        String out = runPeer(Map.of("JAVA_HOME", home.toString(), "PATH", "/usr/bin:/bin"), 1);
        assertTrue(out.startsWith("peer: Java 1.8.0_381 at " + home + "/bin/java is too old (expected: 17 or newer"), out);
    }

    @Test
    void noJavaAnywhereSaysWhatToInstall() throws Exception {
        Path empty = Files.createDirectories(scratch.resolve("empty-path"));
        String out = runPeer(Map.of("PATH", empty.toString()), 1);
        assertEquals("peer: no Java found (expected: a Java 17+ runtime on PATH or in JAVA_HOME,"
                + " e.g. apt-get install openjdk-17-jre-headless)\n", out);
    }

    @Test
    void aJavaHomeWithoutJavaIsNamed() throws Exception {
        Path notJava = Files.createDirectories(scratch.resolve("not-java"));
        String out = runPeer(Map.of("JAVA_HOME", notJava.toString(), "PATH", "/usr/bin:/bin"), 1);
        assertEquals("peer: JAVA_HOME: " + notJava + " (expected: a Java 17+ runtime with bin/java)\n", out);
    }

    @Test
    void javaOnPathThroughSymlinksIsFoundWithoutJavaHome() throws Exception {
        // As /usr/bin/java -> /etc/alternatives/java -> the JDK: the release file is found beside the real binary.
        Path onPath = Files.createDirectories(scratch.resolve("path-bin"));
        Files.createSymbolicLink(onPath.resolve("java"), Path.of(System.getProperty("java.home"), "bin", "java"));
        String out = runPeer(Map.of("PATH", onPath + ":/usr/bin:/bin"), 0);
        assertTrue(out.startsWith("pinhole " + UnpackedArchive.version() + "\n"), out);
    }
}
