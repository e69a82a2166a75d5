package dev.pinhole.peer.cli;

import dev.pinhole.peer.node.Output;
import dev.pinhole.protocol.JoinCode;
import dev.pinhole.protocol.home.PeerHome;
import dev.pinhole.protocol.tls.Identity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code peer up}: every tunnel of a config file in one process (docs/operations.md, "peer up: many tunnels in one
 * process"), reloaded on SIGHUP and when the file changes. A file that does not check out stops the start with exit 2
 * before anything runs; on a reload it is reported and changes nothing.
 */
@Command(name = "up", description = "Run every [[expose]] and [[connect]] of a config file in one process; reload it on"
        + " SIGHUP and when it changes.")
final class UpCommand implements Callable<Integer> {
    /** The file {@code peer up} reads when not told, in the peer's home. */
    static final String DEFAULT_FILE = "pinhole.toml";
    /**
     * How often the file is read to see whether it changed: by content, since editors replace files and configuration
     * tools swap symbolic links, which a watch on the directory can miss; a second is quick enough after saving, and a
     * small file read once a second costs nothing.
     */
    static final long POLL_MILLIS = 1_000;

    @Spec CommandLine.Model.CommandSpec spec;
    @Mixin PeerOptions options;
    @Mixin ServerOption server;
    @Mixin LogOptions logging;
    @Option(names = "--config", paramLabel = "FILE", description = "The tunnels (default: HOME/" + DEFAULT_FILE + ").")
    Path config;

    @Override
    public Integer call() throws Exception {
        PeerHome home = options.home();
        Path file = config != null ? config : home.dir().resolve(DEFAULT_FILE);
        TunnelsFile.Contents contents = TunnelsFile.read(file, System::getenv);
        Output out = logging.output(spec, options.json, contents.logLevel(), contents.logFormat());
        JoinCode code = server.joinCode(home);
        Identity identity = home.identity();
        BlockingQueue<Runnable> events = new LinkedBlockingQueue<>();
        try (Tunnels tunnels = new Tunnels(identity, code, out, home.dir().resolve("run"), server.remember(home, out), events);
             Hangup.Registration hangup = Hangup.watch(() -> events.add(() -> { }))) {
            Thread hook = new Thread(tunnels::close, "peer-up-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                tunnels.apply(contents.tunnels());
                out.event("up", "running " + contents.tunnels().size() + " tunnel(s) of " + file + " via " + code.address()
                                + "; reloads on SIGHUP" + (hangup.unavailable() == null ? "" : " (not here: "
                                + hangup.unavailable() + ")") + " and when the file changes",
                        "file", file.toString(), "tunnels", contents.tunnels().size(), "server", code.address(),
                        "sighup", hangup.unavailable() == null);
                if (contents.tunnels().isEmpty()) {
                    out.note(file + " has no [[expose]] or [[connect]] yet: add some and save it");
                }
                return watch(file, contents, tunnels, events, out);
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // The hook is already closing the tunnels.
                }
            }
        }
    }

    /** Handles failures and reloads until every tunnel has failed (exit 2) or the thread is interrupted. */
    private int watch(Path file, TunnelsFile.Contents first, Tunnels tunnels, BlockingQueue<Runnable> events, Output out)
            throws InterruptedException {
        TunnelsFile.Contents applied = first;
        String seen = first.text();
        while (!tunnels.allFailed()) {
            Runnable event = events.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
            boolean hangup = event != null && !(event instanceof Failure);
            if (event != null) {
                event.run();
            }
            String now = text(file);
            if (!hangup && Objects.equals(now, seen)) {
                continue;
            }
            seen = now;
            String why = hangup ? "SIGHUP" : "the file changed";
            try {
                TunnelsFile.Contents next = TunnelsFile.read(file, System::getenv);
                Tunnels.Change change = tunnels.apply(next.tunnels());
                out.event("reload", "reloaded " + file + " (" + why + "): " + change.summary(), "file", file.toString(),
                        "why", why, "started", change.started(), "stopped", change.stopped(),
                        "restarted", change.restarted(), "unchanged", change.unchanged());
                if (!Objects.equals(next.logLevel(), applied.logLevel()) || !Objects.equals(next.logFormat(), applied.logFormat())) {
                    out.note("log_level and log_format take effect when peer up starts again");
                }
                applied = next;
            } catch (IllegalArgumentException | IOException e) {
                out.error("not reloaded (" + why + "), the running tunnels stay as they were: " + e.getMessage());
            }
        }
        out.error("every tunnel of " + file + " has stopped");
        return CommandLine.ExitCode.USAGE;
    }

    /** A node's failure handed to this thread: it is handled, and is no reason to read the file again. */
    interface Failure extends Runnable {}

    private static String text(Path file) {
        try {
            return Files.readString(file);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            return "unreadable: " + e.getMessage();
        }
    }
}
