package dev.pinhole.peer.cli;

import dev.pinhole.protocol.cli.CliErrors;
import dev.pinhole.protocol.cli.CompletionCommand;
import dev.pinhole.protocol.cli.VersionProvider;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.ScopeType;

/**
 * The {@code peer} command. {@code --help}, {@code -h} and {@code --version} are inherited by every subcommand;
 * errors read {@code peer: error: ...} and exit with the codes of docs/cli.md, "Exit codes".
 */
@Command(name = "peer", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class, scope = ScopeType.INHERIT,
        description = "Publish a local service, or reach one, through a Pinhole rendezvous.",
        subcommands = {HelpCommand.class, LoginCommand.class, ExposeCommand.class, ConnectCommand.class, UpCommand.class,
            StatusCommand.class, IdCommand.class, NamesCommand.class, ReleaseCommand.class, CompletionCommand.class})
public final class PeerCli {
    /** What every error line starts with, so that scripts and logs can tell them from other output. */
    public static final String ERROR = "peer: error: ";

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
        return CliErrors.install(new CommandLine(new PeerCli()), ERROR);
    }
}
