package dev.pinhole.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Drives {@code lab/natlab} from tests: one lab per instance, under a name of its own so runs never
 * collide, torn down (namespaces and the processes in them) on close.
 */
final class NatLab implements AutoCloseable {
    record Result(int exit, String output) {}

    private static final Path SCRIPT = Path.of(System.getProperty("basedir", ".")).resolve("natlab").toAbsolutePath();

    private final String name = "ph" + ThreadLocalRandom.current().nextInt(1000, 10000);
    private final List<Process> background = new ArrayList<>();

    private NatLab() {}

    /** Why the lab cannot run here, or empty when it can. Tests skip with this message, or fail with it under CI (see {@link Prerequisites}). */
    static Optional<String> unavailable() {
        try {
            if (!run(List.of("id", "-u"), 5).output().trim().equals("0")) {
                return Optional.of("the NAT lab needs root (network namespaces, nftables); run as root, as CI does");
            }
            for (String tool : List.of("ip", "nft")) {
                if (run(List.of("sh", "-c", "command -v " + tool), 5).exit() != 0) {
                    return Optional.of("the NAT lab needs '" + tool + "' (apt-get install -y iproute2 nftables)");
                }
            }
        } catch (IOException e) {
            return Optional.of("cannot check the NAT lab's requirements: " + e.getMessage());
        }
        return Optional.empty();
    }

    static boolean hasCommand(String command) throws IOException {
        return run(List.of("sh", "-c", "command -v " + command), 5).exit() == 0;
    }

    static NatLab up(String typeA, String typeB, String... options) throws IOException {
        NatLab lab = new NatLab();
        List<String> command = new ArrayList<>(List.of("up", typeA, typeB));
        command.addAll(List.of(options));
        Result result = lab.natlab(command, 60);
        if (result.exit() != 0) {
            lab.close();
            throw new IOException("natlab up failed: " + result.output());
        }
        return lab;
    }

    String addr(String node) throws IOException {
        return natlab(List.of("addr", node), 5).output().trim();
    }

    /** Drops (or stops dropping) all UDP forwarded through {@code node}, e.g. "nat-b". */
    void udp(String node, boolean allowed) throws IOException {
        Result result = natlab(List.of("udp", node, allowed ? "allow" : "block"), 10);
        if (result.exit() != 0) {
            throw new IOException("natlab udp failed: " + result.output());
        }
    }

    Result exec(String node, long timeoutSeconds, String... command) throws IOException {
        List<String> args = new ArrayList<>(List.of("exec", node));
        args.addAll(List.of(command));
        return natlab(args, timeoutSeconds);
    }

    /** Starts a long-running command in a node; it is killed by {@link #close()} at the latest. */
    Process start(String node, Path log, String... command) throws IOException {
        List<String> args = new ArrayList<>(List.of(SCRIPT.toString(), "exec", node));
        args.addAll(List.of(command));
        ProcessBuilder builder = new ProcessBuilder(args).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("PINHOLE_LAB", name);
        Process process = builder.start();
        background.add(process);
        return process;
    }

    private Result natlab(List<String> args, long timeoutSeconds) throws IOException {
        List<String> command = new ArrayList<>(List.of(SCRIPT.toString()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("PINHOLE_LAB", name);
        return run(builder, timeoutSeconds);
    }

    private static Result run(List<String> command, long timeoutSeconds) throws IOException {
        return run(new ProcessBuilder(command), timeoutSeconds);
    }

    private static Result run(ProcessBuilder builder, long timeoutSeconds) throws IOException {
        Path out = Files.createTempFile("natlab", ".out");
        try {
            Process process = builder.redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                return new Result(-1, "timed out after " + timeoutSeconds + " s: " + Files.readString(out, StandardCharsets.UTF_8));
            }
            return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    @Override
    public void close() throws IOException {
        for (Process process : background) {
            process.destroy();
        }
        natlab(List.of("down"), 60);
        for (Process process : background) {
            process.destroyForcibly();
        }
    }
}
