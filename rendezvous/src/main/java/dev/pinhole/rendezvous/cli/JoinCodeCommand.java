package dev.pinhole.rendezvous.cli;

import dev.pinhole.protocol.JoinCode;
import dev.pinhole.rendezvous.DataDir;
import dev.pinhole.rendezvous.state.Tokens;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** Shows the join code the server created; the server prints it only when it creates it (it is a secret). */
@Command(name = "join-code", description = "Print the rendezvous' join code (a secret: share it only with your peers).")
final class JoinCodeCommand implements Callable<Integer> {
    @ParentCommand
    RendezvousCli parent;
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        DataDir dir = parent.openDataDir();
        Path file = dir.joinCodeFile();
        if (!Files.exists(file)) {
            spec.commandLine().getErr().println(RendezvousCli.ERROR + "no join code in " + file + " yet: start the rendezvous once to create it");
            return CommandLine.ExitCode.SOFTWARE;
        }
        JoinCode code = JoinCode.parse(Files.readString(file, StandardCharsets.UTF_8));
        if (Tokens.verify(dir.store().read(), code.token()).isEmpty()) {
            spec.commandLine().getErr().println(RendezvousCli.ERROR + "the token in " + file + " was revoked: the next start of the rendezvous"
                    + " issues a new one, or use 'rendezvous token create'");
            return CommandLine.ExitCode.SOFTWARE;
        }
        spec.commandLine().getOut().println(code);
        return 0;
    }
}
