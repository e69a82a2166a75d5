package dev.pinhole.peer.cli;

import java.io.IOException;
import java.io.PrintWriter;
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
        CommandLine cli = new CommandLine(new PeerCli());
        // Bad input the user typed (a malformed join code, no server configured) is a message, not a stack trace.
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof IllegalArgumentException || e instanceof IOException) {
                commandLine.getErr().println(ERROR + e.getMessage());
                return CommandLine.ExitCode.USAGE;
            }
            throw e;
        });
        // One line naming the problem and where help is, rather than the whole usage text after it.
        cli.setParameterExceptionHandler((e, args) -> {
            CommandLine commandLine = e.getCommandLine();
            PrintWriter err = commandLine.getErr();
            err.println(ERROR + e.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
            err.println("Try '" + commandLine.getCommandSpec().qualifiedName() + " --help' for more information.");
            return CommandLine.ExitCode.USAGE;
        });
        return cli;
    }
}
