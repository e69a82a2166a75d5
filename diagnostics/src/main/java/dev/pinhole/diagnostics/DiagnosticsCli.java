package dev.pinhole.diagnostics;

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
        return CliErrors.install(new CommandLine(new DiagnosticsCli()), ERROR);
    }
}
