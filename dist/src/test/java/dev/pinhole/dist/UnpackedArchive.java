package dev.pinhole.dist;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The release archive that package built (its path comes from the pom), unpacked with {@code tar} into a
 * directory of its own under the system's temporary directory, away from the source tree, and its launchers
 * run as a user runs them: as processes, from that directory, with an environment that holds no Maven and
 * no source tree. {@link #close()} stops every process it started.
 */
final class UnpackedArchive implements AutoCloseable {
    /**
     * A JVM took up to 23 s to start and log in on this 2-core machine under a load of 20 (other builds running):
     * long enough for that, short enough to fail a hang.
     */
    static final Duration PATIENCE = Duration.ofSeconds(120);

    final Path root;
    private final Path scratch;
    private final List<Process> processes = new ArrayList<>();

    private UnpackedArchive(Path root, Path scratch) {
        this.root = root;
        this.scratch = scratch;
    }

    static Path archive() {
        String path = System.getProperty("pinhole.archive");
        assertTrue(path != null, "pinhole.archive: not set (expected: the tar.gz path, set by dist/pom.xml)");
        Path archive = Path.of(path);
        assertTrue(Files.isRegularFile(archive), "archive: " + archive + " (expected: built by ./mvnw package)");
        return archive;
    }

    /**
     * The self-contained Linux x86_64 archive, which the build makes on such a machine when its JDK has jmods;
     * skipped where it is not made (failed under CI=true, where it must be).
     */
    static Path selfContained() {
        Path archive = Path.of(System.getProperty("pinhole.selfContained", ""));
        if (!Files.isRegularFile(archive)) {
            Prerequisites.require("the self-contained archive " + archive.getFileName()
                    + " (made on Linux x86_64 by a JDK with jmods, unless -Djlink.skip=true)");
        }
        return archive;
    }

    static String version() {
        return System.getProperty("pinhole.version");
    }

    /** Unpacks the archive into {@code scratch}, which is empty and outside the source tree. */
    static UnpackedArchive unpack(Path scratch) throws IOException, InterruptedException {
        return unpack(archive(), scratch);
    }

    /** Unpacks {@code archive} into {@code scratch}, which is empty and outside the source tree. */
    static UnpackedArchive unpack(Path archive, Path scratch) throws IOException, InterruptedException {
        Path into = Files.createDirectories(scratch.resolve("unpacked"));
        Process tar = new ProcessBuilder("tar", "-xzf", archive.toString(), "-C", into.toString())
                .redirectErrorStream(true).start();
        assertTrue(tar.waitFor(60, TimeUnit.SECONDS), "tar: still unpacking after 60 s");
        String out = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, tar.exitValue(), "tar -xzf " + archive + ": " + out);
        Path root = into.resolve("pinhole-" + version());
        assertTrue(Files.isDirectory(root), "archive: no top directory " + root.getFileName());
        return new UnpackedArchive(root, scratch);
    }

    /** The environment of a machine with only a Java runtime: JAVA_HOME, a PATH of system tools, a HOME. */
    Map<String, String> javaOnlyEnvironment() {
        return Map.of("JAVA_HOME", System.getProperty("java.home"), "PATH", "/usr/bin:/bin",
                "HOME", scratch.toString());
    }

    /** Runs {@code bin/COMMAND args} from the unpacked directory with exactly {@code env}; output goes to {@code log}. */
    Process start(Path log, Map<String, String> env, String command, String... args) throws IOException {
        return start(log, env, root.resolve("bin").resolve(command), args);
    }

    /** Runs {@code executable args} (a launcher, or a link to one) from the unpacked directory with exactly {@code env}. */
    Process start(Path log, Map<String, String> env, Path executable, String... args) throws IOException {
        List<String> line = new ArrayList<>();
        line.add(executable.toString());
        line.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(line).directory(root.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().clear();
        builder.environment().putAll(env);
        Process process = builder.start();
        processes.add(process);
        return process;
    }

    /** Runs a command that ends, and returns its exit code; its output is in {@code log}. */
    int run(Path log, Map<String, String> env, String command, String... args) throws IOException, InterruptedException {
        return run(log, env, root.resolve("bin").resolve(command), args);
    }

    int run(Path log, Map<String, String> env, Path executable, String... args) throws IOException, InterruptedException {
        Process process = start(log, env, executable, args);
        assertTrue(process.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS),
                executable + " " + String.join(" ", args) + ": still running; it printed:\n" + read(log));
        return process.exitValue();
    }

    static String read(Path log) throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    /** Waits for {@code regex} in {@code log} and returns its group 1. */
    static String awaitMatch(Path log, String regex) {
        Pattern pattern = Pattern.compile(regex);
        try {
            return await().atMost(PATIENCE).until(() -> {
                Matcher m = pattern.matcher(read(log));
                return m.find() ? m.group(1) : null;
            }, found -> found != null);
        } catch (RuntimeException | AssertionError e) {
            String printed;
            try {
                printed = read(log);
            } catch (IOException io) {
                printed = io.toString();
            }
            throw new AssertionError(log.getFileName() + " never showed " + regex + "; it holds:\n" + printed, e);
        }
    }

    @Override
    public void close() {
        for (Process p : processes) {
            p.destroy();
        }
        try {
            for (Process p : processes) {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            processes.forEach(Process::destroyForcibly);
            Thread.currentThread().interrupt();
        }
    }
}
