package dev.pinhole.diagnostics;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.ScopeType;

/**
 * The {@code diagnostics} command. {@code --help}, {@code -h} and {@code --version} are inherited by every
 * subcommand; errors read {@code diagnostics: error: ...} and exit with the codes of docs/cli.md, "Exit codes".
 */
@Command(name = "diagnostics", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        scope = ScopeType.INHERIT, description = "Network diagnostics for Pinhole peers.",
        subcommands = {HelpCommand.class, NatTypeCommand.class, CompletionCommand.class})
public final class DiagnosticsCli {
    /** What every error line starts with, so that scripts and logs can tell them from other output. */
    static final String ERROR = "diagnostics: error: ";
    /** A line on stderr that is not an error: the command goes on. */
    static final String NOTE = "diagnostics: note: ";

    /** ice4j's configuration chatter at INFO; kept here so the loggers are not collected. */
    private static final Logger[] QUIET = {
        Logger.getLogger(""), Logger.getLogger("org.jitsi")};

    public static void main(String[] args) {
        for (Logger logger : QUIET) {
            logger.setLevel(Level.WARNING);
        }
        System.exit(commandLine().execute(args));
    }

    /** The command line {@code main} runs. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new DiagnosticsCli());
        // An unreadable peer home is a message, not a stack trace.
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
