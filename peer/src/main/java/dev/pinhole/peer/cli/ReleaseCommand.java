package dev.pinhole.peer.cli;

import dev.pinhole.peer.control.ControlExchange;
import dev.pinhole.peer.node.Output;
import dev.pinhole.protocol.ControlMessage.Error;
import dev.pinhole.protocol.ControlMessage.NameReleased;
import dev.pinhole.protocol.ControlMessage.ReleaseName;
import dev.pinhole.protocol.home.PeerHome;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code peer release NAME}: gives up a name this identity owns (docs/cli.md, "peer names and peer release"). */
@Command(name = "release", description = {"Give up a name this peer's identity owns, so that anyone may register it"
        + " next. A running 'peer expose' of it goes offline (and claims it again if it reconnects: stop it first).",
    "Exit codes: 0 released, 1 not one of this identity's names or the rendezvous could not be reached,"
        + " 2 refused (certificate, token)."})
final class ReleaseCommand implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;
    @Mixin PeerOptions options;
    @Mixin ServerOption server;
    @Parameters(paramLabel = "NAME", description = "A name 'peer names' lists.")
    String name;

    @Override
    public Integer call() throws Exception {
        Output out = new Output(spec.commandLine().getOut(), spec.commandLine().getErr(), options.json);
        PeerHome home = options.home();
        var code = server.joinCode(home);
        ControlExchange.Outcome outcome = ControlExchange.run(code, home.identity(), id -> new ReleaseName(id, name),
                (id, reply) -> reply instanceof NameReleased released && released.requestId() == id);
        Integer failed = Exchanges.failure(outcome, out);
        if (failed != null) {
            return failed;
        }
        if (outcome.reply() instanceof Error error) {
            out.error(error.message());
            return CommandLine.ExitCode.SOFTWARE;
        }
        String released = ((NameReleased) outcome.reply()).name();
        out.event("released", "released '" + released + "' on " + code.address() + ": anyone may register it now",
                "name", released, "server", code.address());
        return 0;
    }
}
