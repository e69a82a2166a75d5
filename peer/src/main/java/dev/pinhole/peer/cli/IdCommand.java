package dev.pinhole.peer.cli;

import dev.pinhole.peer.node.Output;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

@Command(name = "id", description = "Print this peer's key fingerprint (creating the key on first use).")
final class IdCommand implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;
    @Mixin PeerOptions options;

    @Override
    public Integer call() throws Exception {
        String key = options.home().identity().keyFingerprint();
        new Output(spec.commandLine().getOut(), spec.commandLine().getErr(), options.json).event("id", key, "key", key);
        return 0;
    }
}
