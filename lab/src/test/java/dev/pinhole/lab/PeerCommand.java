package dev.pinhole.lab;

import static org.awaitility.Awaitility.await;

import dev.pinhole.peer.cli.PeerCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * A long-running {@code peer} command (expose, connect) typed as a user types it, run by picocli on {@link PeerCli}
 * in this JVM on a thread of its own; stdout and stderr are one log. {@link #close()} stops it as Ctrl-C would
 * (the node closes), by interrupting its wait.
 */
final class PeerCommand implements AutoCloseable {
    private final StringWriter log = new StringWriter();
    private final Thread thread;
    private final List<String> args;
    private volatile boolean stopping;

    PeerCommand(String... args) {
        this.args = List.of(args);
        CommandLine cli = PeerCli.commandLine();
        PrintWriter writer = new PrintWriter(log, true);
        cli.setOut(writer);
        cli.setErr(writer);
        thread = new Thread(() -> {
            try {
                writer.println("exit " + cli.execute(args));
            } catch (RuntimeException e) {
                if (!stopping) {
                    e.printStackTrace(writer);
                }
                // Else close() interrupted the node's wait: the node is closed, as after Ctrl-C.
            }
        }, "peer " + args[0]);
        thread.start();
    }

    String log() {
        return log.toString();
    }

    /** Waits for the first match of {@code regex} in the log and returns its group 1. */
    String awaitMatch(String regex) {
        Pattern pattern = Pattern.compile(regex);
        try {
            return await().atMost(Duration.ofSeconds(20)).until(() -> {
                Matcher m = pattern.matcher(log());
                return m.find() ? m.group(1) : null;
            }, found -> found != null);
        } catch (RuntimeException | AssertionError e) {
            throw new AssertionError("peer " + String.join(" ", args) + " never printed " + regex + "; it printed:\n" + log(), e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        stopping = true;
        thread.interrupt();
        thread.join(15_000);
    }
}
