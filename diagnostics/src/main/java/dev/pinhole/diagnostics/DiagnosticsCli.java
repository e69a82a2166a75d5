package dev.pinhole.diagnostics;

import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "diagnostics", mixinStandardHelpOptions = true, version = "pinhole-diagnostics 0.1",
        description = "Network diagnostics for Pinhole peers.",
        subcommands = NatTypeCommand.class)
public final class DiagnosticsCli {
    public static void main(String[] args) {
        for (Logger logger : QUIET) {
            logger.setLevel(Level.WARNING);
        }
        System.exit(new CommandLine(new DiagnosticsCli()).execute(args));
    }

    /** ice4j's configuration chatter at INFO; kept here so the loggers are not collected. */
    private static final Logger[] QUIET = {
        Logger.getLogger(""), Logger.getLogger("org.jitsi")};

}
