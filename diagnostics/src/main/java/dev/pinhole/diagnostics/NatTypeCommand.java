package dev.pinhole.diagnostics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.pinhole.protocol.home.PeerHome;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "nat-type", description = {
        "Report the NAT this machine is behind (RFC 4787 mapping and filtering, via RFC 5780 tests) and",
        "which peers a direct connection can work with.",
        "Exit codes: 0 report printed, 3 no STUN answer (UDP blocked or server down), 2 usage error."})
final class NatTypeCommand implements Callable<Integer> {
    static final int UDP_BLOCKED = 3;
    static final int DEFAULT_STUN_PORT = 3478;
    /** The RFC 5780 tests use one server (two with no OTHER-ADDRESS, for the mapping); a third would be ignored. */
    static final int MAX_SERVERS = 2;

    @Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--server", paramLabel = "HOST[:PORT]",
            description = "STUN server (at most twice, for a second server's view of the mapping; default:"
                    + " $PINHOLE_STUN_SERVERS, else the rendezvous from 'peer login' on the STUN port its last"
                    + " expose/connect was told, else two built-in public servers, which test the mapping only).")
    List<String> servers = new ArrayList<>();

    @Option(names = "--home", description = "Peer home holding the 'peer login' settings.")
    Path home;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    /** Finds a host's address (DNS); tests answer without asking. */
    @FunctionalInterface
    interface Resolver {
        InetAddress resolve(String host) throws UnknownHostException;
    }

    /** Runs the RFC 5780 tests against resolved servers; tests record the servers instead of sending. */
    @FunctionalInterface
    interface Prober {
        Observations probe(List<InetSocketAddress> servers) throws IOException;
    }

    private final Map<String, String> env;
    private final Resolver resolver;
    private final Prober prober;

    NatTypeCommand() {
        this(System.getenv(), InetAddress::getByName, servers -> {
            try (StunProber prober = new StunProber(servers.get(0))) {
                return prober.run(servers);
            }
        });
    }

    NatTypeCommand(Map<String, String> env, Resolver resolver, Prober prober) {
        this.env = env;
        this.resolver = resolver;
        this.prober = prober;
    }

    Prober prober() {
        return prober;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (servers.size() > MAX_SERVERS) {
            err.println(DiagnosticsCli.ERROR + "--server given " + servers.size() + " times (expected: at most " + MAX_SERVERS
                    + "; a second server only serves to compare mappings)");
            return CommandLine.ExitCode.USAGE;
        }
        List<InetSocketAddress> targets = new ArrayList<>();
        for (String server : servers) {
            try {
                targets.add(parse(server));
            } catch (IllegalArgumentException e) {
                err.println(DiagnosticsCli.ERROR + "--server " + server + " (expected: HOST[:PORT], PORT 1..65535)");
                return CommandLine.ExitCode.USAGE;
            }
        }
        String fromEnv = env.get(StunServers.ENV);
        if (targets.isEmpty() && fromEnv != null && !fromEnv.isBlank()) {
            try {
                targets.addAll(StunServers.parseList(fromEnv));
            } catch (IllegalArgumentException e) {
                err.println(DiagnosticsCli.ERROR + "$" + StunServers.ENV + ": " + e.getMessage() + " (expected: HOST[:PORT], comma-separated)");
                return CommandLine.ExitCode.USAGE;
            }
            if (targets.size() > MAX_SERVERS) {
                err.println(DiagnosticsCli.ERROR + "$" + StunServers.ENV + " names " + targets.size() + " servers (expected: at most "
                        + MAX_SERVERS + ")");
                return CommandLine.ExitCode.USAGE;
            }
        }
        boolean builtIn = false;
        if (targets.isEmpty()) {
            PeerHome peerHome = PeerHome.resolve(home);
            var code = peerHome.server();
            if (code.isEmpty()) {
                builtIn = true;
            } else {
                var port = peerHome.stunPort(code.get());
                if (port.isPresent() && port.get() == 0) {
                    err.println(DiagnosticsCli.ERROR + "the rendezvous " + code.get().address() + " runs no STUN (its operator turned it off):"
                            + " pass --server HOST[:PORT] of another STUN server");
                    return CommandLine.ExitCode.USAGE;
                }
                if (port.isEmpty()) {
                    err.println(DiagnosticsCli.NOTE + "the STUN port of " + code.get().host() + " is not known until a 'peer expose' or 'peer"
                            + " connect' has logged in there; trying " + DEFAULT_STUN_PORT + ", the default");
                }
                targets.add(InetSocketAddress.createUnresolved(code.get().host(), port.orElse(DEFAULT_STUN_PORT)));
            }
        }
        List<InetSocketAddress> resolved = new ArrayList<>();
        for (InetSocketAddress target : builtIn ? StunServers.BUILT_IN.stream().map(StunServers::parse).toList() : targets) {
            try {
                resolved.add(new InetSocketAddress(resolver.resolve(target.getHostString()), target.getPort()));
            } catch (UnknownHostException e) {
                if (!builtIn) {
                    err.println(DiagnosticsCli.ERROR + "cannot resolve " + target.getHostString() + " (no DNS, or a typo in the name)");
                    return UDP_BLOCKED;
                }
            }
            if (builtIn && resolved.size() == MAX_SERVERS) {
                break;
            }
        }
        if (builtIn) {
            if (resolved.isEmpty()) {
                err.println(DiagnosticsCli.ERROR + "none of the built-in public STUN servers resolves (no DNS?): pass --server HOST[:PORT]");
                return UDP_BLOCKED;
            }
            err.println(DiagnosticsCli.NOTE + "no --server, $" + StunServers.ENV + " or 'peer login': using the public STUN servers "
                    + String.join(" and ", resolved.stream().map(a -> a.getHostString() + ":" + a.getPort()).toList())
                    + " (built in); they test the mapping only: filtering needs an RFC 5780 server, such as a Pinhole"
                    + " rendezvous with --alt-address (--server HOST)");
            err.flush();
        }
        Observations observations = prober.probe(resolved);
        NatReport report = NatClassifier.classify(observations);
        if (json) {
            out.println(new ObjectMapper().disable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report));
        } else {
            out.print(TextReport.render(report));
        }
        out.flush();
        return report.udp() ? 0 : UDP_BLOCKED;
    }

    static InetSocketAddress parse(String server) {
        return StunServers.parse(server);
    }
}
