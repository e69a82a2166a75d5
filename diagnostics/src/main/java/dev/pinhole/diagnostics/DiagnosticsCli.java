package dev.pinhole.diagnostics;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;

@Command(name = "diagnostics", mixinStandardHelpOptions = true, version = "pinhole-diagnostics 0.1",
        description = "Network diagnostics for Pinhole peers.",
        subcommands = DiagnosticsCli.NatType.class)
public final class DiagnosticsCli {
    /** Exit code for a check that this release does not implement yet. */
    static final int NOT_IMPLEMENTED = 3;

    public static void main(String[] args) {
        System.exit(new CommandLine(new DiagnosticsCli()).execute(args));
    }

    @Command(name = "nat-type", description = "Report the NAT this machine is behind (RFC 4787/5780).")
    static final class NatType implements Callable<Integer> {
        @Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().getErr().println("diagnostics nat-type: not implemented yet (needs the rendezvous' STUN service, issue B)");
            return NOT_IMPLEMENTED;
        }
    }
}
