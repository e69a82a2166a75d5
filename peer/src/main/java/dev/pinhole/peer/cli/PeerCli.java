package dev.pinhole.peer.cli;

import java.io.IOException;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "peer", mixinStandardHelpOptions = true, version = "pinhole-peer 0.1",
        description = "Publish a local service, or reach one, through a Pinhole rendezvous.",
        subcommands = {LoginCommand.class, ExposeCommand.class, ConnectCommand.class, StatusCommand.class, IdCommand.class})
public final class PeerCli {
    /** ice4j (the STUN codec) logs its configuration at INFO on first use; kept here so the loggers stay. */
    private static final Logger[] QUIET = {
        Logger.getLogger(""), Logger.getLogger("org.jitsi")};

    public static void main(String[] args) {
        for (Logger logger : QUIET) {
            logger.setLevel(Level.WARNING);
        }
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new PeerCli());
        // Bad input the user typed (a malformed join code, no server configured) is a message, not a stack trace.
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof IllegalArgumentException || e instanceof IOException) {
                commandLine.getErr().println("error: " + e.getMessage());
                return 2;
            }
            throw e;
        });
        return cli;
    }
}
