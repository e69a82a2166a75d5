package dev.pinhole.protocol.cli;

import java.io.IOException;
import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * How the three CLIs report bad input (docs/cli.md, "Exit codes"): one line starting with their error prefix
 * ({@code peer: error: } and so on, so scripts and logs can tell errors from other output), exit code 2.
 */
public final class CliErrors {
    private CliErrors() {}

    /** Installs both handlers on {@code cli} and returns it. */
    public static CommandLine install(CommandLine cli, String errorPrefix) {
        // A bad value (IllegalArgumentException) or an unreadable file is a message, not a stack trace.
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof IllegalArgumentException || e instanceof IOException) {
                commandLine.getErr().println(errorPrefix + e.getMessage());
                return CommandLine.ExitCode.USAGE;
            }
            throw e;
        });
        // One line naming the problem and where help is, rather than the whole usage text after it.
        cli.setParameterExceptionHandler((e, args) -> {
            CommandLine commandLine = e.getCommandLine();
            PrintWriter err = commandLine.getErr();
            err.println(errorPrefix + e.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
            err.println("Try '" + commandLine.getCommandSpec().qualifiedName() + " --help' for more information.");
            return CommandLine.ExitCode.USAGE;
        });
        return cli;
    }
}
