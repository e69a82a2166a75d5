package dev.pinhole.diagnostics;

import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "diagnostics", mixinStandardHelpOptions = true, version = "pinhole-diagnostics 0.1",
        description = "Network diagnostics for Pinhole peers.",
        subcommands = NatTypeCommand.class)
public final class DiagnosticsCli {
    public static void main(String[] args) {
        for (java.util.logging.Logger logger : QUIET) {
            logger.setLevel(java.util.logging.Level.WARNING);
        }
        System.exit(new CommandLine(new DiagnosticsCli()).execute(args));
    }

    /** ice4j's configuration chatter at INFO; kept here so the loggers are not collected. */
    private static final java.util.logging.Logger[] QUIET = {
        java.util.logging.Logger.getLogger(""), java.util.logging.Logger.getLogger("org.jitsi")};

}
