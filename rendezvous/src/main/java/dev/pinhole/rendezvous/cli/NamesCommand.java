package dev.pinhole.rendezvous.cli;

import dev.pinhole.protocol.ServiceName;
import dev.pinhole.rendezvous.DataDir;
import dev.pinhole.rendezvous.state.State;
import java.io.IOException;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "names", description = "List and release service names (works while the server runs).",
        subcommands = {NamesCommand.ListNames.class, NamesCommand.Release.class})
final class NamesCommand {
    @ParentCommand
    RendezvousCli parent;

    DataDir dataDir() throws IOException {
        return parent.openDataDir();
    }

    @Command(name = "list", description = "List owned names: the identity that owns each and the token it registered it with.")
    static final class ListNames implements Callable<Integer> {
        @ParentCommand NamesCommand names;
        @Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            var out = spec.commandLine().getOut();
            out.printf("%-24s %-10s %-20s %s%n", "NAME", "TOKEN", "CREATED", "OWNER");
            for (State.NameRecord name : names.dataDir().store().read().namesSorted()) {
                out.printf("%-24s %-10s %-20s %s%n", name.name(), name.tokenId() == null ? "-" : name.tokenId(),
                        Instant.ofEpochSecond(name.createdAt()).toString(), name.owner());
            }
            return 0;
        }
    }

    @Command(name = "release", description = "Free a name for the next identity that registers it; a running"
            + " rendezvous takes it offline within 2 s (its owner may claim it again unless its token is revoked).")
    static final class Release implements Callable<Integer> {
        @ParentCommand NamesCommand names;
        @Spec CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "NAME", description = "A name shown by 'names list'.")
        String name;

        @Override
        public Integer call() throws Exception {
            String canonical = ServiceName.problem(name).isPresent() ? name : ServiceName.canonical(name);
            if (names.dataDir().releaseName(canonical)) {
                spec.commandLine().getOut().println("name '" + canonical + "' released");
                return 0;
            }
            spec.commandLine().getErr().println(RendezvousCli.ERROR + "no owned name '" + canonical + "' (see 'names list')");
            return CommandLine.ExitCode.SOFTWARE;
        }
    }
}
