package dev.pinhole.peer.cli;

import dev.pinhole.peer.control.ControlExchange;
import dev.pinhole.peer.node.Output;
import picocli.CommandLine;

/** What the commands that ask the rendezvous once print and exit with when there was no answer (docs/cli.md). */
final class Exchanges {
    private Exchanges() {}

    /** Prints why and returns the exit code, or returns null when the rendezvous answered. */
    static Integer failure(ControlExchange.Outcome outcome, Output out) {
        return switch (outcome.status()) {
            case OK -> null;
            case REFUSED -> {
                out.error(outcome.failure());
                yield CommandLine.ExitCode.USAGE;
            }
            case UNREACHABLE, TIMEOUT -> {
                out.error(outcome.failure());
                yield CommandLine.ExitCode.SOFTWARE;
            }
        };
    }
}
