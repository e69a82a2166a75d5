package dev.pinhole.peer.cli;

import dev.pinhole.peer.control.ControlExchange;
import dev.pinhole.peer.node.Output;
import dev.pinhole.protocol.JoinCode;
import dev.pinhole.protocol.home.PeerHome;
import dev.pinhole.protocol.tls.Identity;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code peer login}: logs in once to check the join code, then remembers it. A failure says what is wrong
 * (unreachable, another server's certificate, token refused) and saves nothing, not even a new key
 * (docs/cli.md, "peer login").
 */
@Command(name = "login", description = {"Check a rendezvous' join code by logging in, then remember it for later commands.",
    "Exit codes: 0 logged in and saved, 1 unreachable (nothing saved), 2 refused: certificate or token (nothing saved)."})
final class LoginCommand implements Callable<Integer> {
    /** The public id in a token {@code pht_<id>_<secret>}, which the operator's 'rendezvous token list' shows. */
    private static final Pattern TOKEN_ID = Pattern.compile("pht_([0-9a-f]{8})_.+");

    @Spec CommandLine.Model.CommandSpec spec;
    @Mixin PeerOptions options;
    @Parameters(paramLabel = "JOIN_CODE", description = "pinhole://TOKEN@HOST:PORT?fp=sha256:...")
    String joinCode;
    @Option(names = "--offline", description = "Save the join code without contacting the rendezvous (it is checked"
            + " by the first expose or connect instead).")
    boolean offline;

    @Override
    public Integer call() throws Exception {
        JoinCode code = JoinCode.parse(joinCode);
        PeerHome home = options.home();
        Output out = new Output(spec.commandLine().getOut(), spec.commandLine().getErr(), options.json);
        Identity identity = home.identityOrUnsaved();
        String key = identity.keyFingerprint();
        Matcher token = TOKEN_ID.matcher(code.token());
        String tokenId = token.matches() ? token.group(1) : "?";
        if (offline) {
            home.keep(identity);
            home.saveServer(code);
            out.event("login", "saved rendezvous " + code.address() + " in " + home.dir() + " without checking it"
                    + "\nthis peer's key: " + key, "server", code.address(), "home", home.dir().toString(), "key", key,
                    "token", tokenId, "checked", false);
            return 0;
        }
        ControlExchange.Outcome outcome = ControlExchange.run(code, identity, null, null);
        switch (outcome.status()) {
            case OK -> {
                home.keep(identity);
                home.saveServer(code);
                home.saveStunPort(code, outcome.welcome().stunPort());
                out.event("login", "logged in to the rendezvous at " + code.address() + " with token " + tokenId
                                + " as " + outcome.welcome().peerId() + "\nsaved in " + home.dir(),
                        "server", code.address(), "home", home.dir().toString(), "key", outcome.welcome().peerId(),
                        "token", tokenId, "checked", true);
                return 0;
            }
            case REFUSED -> {
                out.error(outcome.failure() + "; nothing saved");
                return CommandLine.ExitCode.USAGE;
            }
            default -> {
                out.error(outcome.failure() + "; nothing saved (check the address and that the rendezvous runs,"
                        + " or use --offline to save it unchecked)");
                return CommandLine.ExitCode.SOFTWARE;
            }
        }
    }
}
