package dev.pinhole.peer.cli;

import dev.pinhole.peer.node.Output;
import dev.pinhole.protocol.JoinCode;
import dev.pinhole.protocol.home.PeerHome;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "login", description = "Remember a rendezvous (its join code) for later commands.")
final class LoginCommand implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;
    @Mixin PeerOptions options;
    @Parameters(paramLabel = "JOIN_CODE", description = "pinhole://TOKEN@HOST:PORT?fp=sha256:...")
    String joinCode;

    @Override
    public Integer call() throws Exception {
        JoinCode code = JoinCode.parse(joinCode);
        PeerHome home = options.home();
        String key = home.identity().keyFingerprint();
        home.saveServer(code);
        new Output(spec.commandLine().getOut(), spec.commandLine().getErr(), options.json)
                .event("login", "saved rendezvous " + code.address() + " in " + home.dir() + "\nthis peer's key: " + key,
                        "server", code.address(), "home", home.dir().toString(), "key", key);
        return 0;
    }
}
