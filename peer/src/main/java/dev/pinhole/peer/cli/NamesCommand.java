package dev.pinhole.peer.cli;

import dev.pinhole.peer.control.ControlExchange;
import dev.pinhole.peer.node.Output;
import dev.pinhole.protocol.ControlMessage.Error;
import dev.pinhole.protocol.ControlMessage.ListNames;
import dev.pinhole.protocol.ControlMessage.Names;
import dev.pinhole.protocol.home.PeerHome;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/** {@code peer names}: what this identity owns on the rendezvous (docs/cli.md, "peer names and peer release"). */
@Command(name = "names", description = {"List the names this peer's identity owns on the rendezvous: the token each"
        + " was registered with (revoking it frees the name) and whether it is online.",
    "Exit codes: 0 listed, 1 the rendezvous could not be reached, 2 refused (certificate, token)."})
final class NamesCommand implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;
    @Mixin PeerOptions options;
    @Mixin ServerOption server;

    @Override
    public Integer call() throws Exception {
        Output out = new Output(spec.commandLine().getOut(), spec.commandLine().getErr(), options.json);
        PeerHome home = options.home();
        var code = server.joinCode(home);
        ControlExchange.Outcome outcome = ControlExchange.run(code, home.identity(), ListNames::new,
                (id, reply) -> reply instanceof Names names && names.requestId() == id);
        Integer failed = Exchanges.failure(outcome, out);
        if (failed != null) {
            return failed;
        }
        if (outcome.reply() instanceof Error error) {
            out.error(error.message());
            return CommandLine.ExitCode.SOFTWARE;
        }
        Names names = (Names) outcome.reply();
        if (options.json) {
            for (Names.Entry entry : names.names()) {
                out.event("name", entry.name(), "name", entry.name(), "token", entry.tokenId().isEmpty() ? null : entry.tokenId(),
                        "created", Instant.ofEpochSecond(entry.createdAt()).toString(), "online", entry.online());
            }
        } else if (names.names().isEmpty()) {
            out.event("names", "this identity (" + outcome.welcome().peerId() + ") owns no names on " + code.address());
        } else {
            out.event("names", String.format("%-24s %-10s %-20s %s", "NAME", "TOKEN", "CREATED", "ONLINE"));
            for (Names.Entry entry : names.names()) {
                out.event("name", String.format("%-24s %-10s %-20s %s", entry.name(),
                        entry.tokenId().isEmpty() ? "-" : entry.tokenId(),
                        Instant.ofEpochSecond(entry.createdAt()).toString(), entry.online() ? "yes" : "no"));
            }
        }
        if (names.total() > names.names().size()) {
            out.note("and " + (names.total() - names.names().size()) + " more (a reply lists at most "
                    + names.names().size() + ")");
        }
        return 0;
    }
}
