package dev.pinhole.diagnostics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.pinhole.protocol.home.PeerHome;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
            description = "STUN server (at most twice, for a second server's view of the mapping; default: the rendezvous"
                    + " from 'peer login', on the STUN port its last expose/connect was told, else 3478).")
    List<String> servers = new ArrayList<>();

    @Option(names = "--home", description = "Peer home holding the 'peer login' settings.")
    Path home;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

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
        if (targets.isEmpty()) {
            PeerHome peerHome = PeerHome.resolve(home);
            var code = peerHome.server();
            if (code.isEmpty()) {
                err.println(DiagnosticsCli.ERROR + "no STUN server: pass --server HOST[:PORT] or run 'peer login JOIN_CODE'");
                return CommandLine.ExitCode.USAGE;
            }
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
            targets.add(new InetSocketAddress(code.get().host(), port.orElse(DEFAULT_STUN_PORT)));
        }
        Observations observations;
        try (StunProber prober = new StunProber(targets.get(0))) {
            observations = prober.run(targets);
        }
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
        int colon = server.lastIndexOf(':');
        boolean hasPort = colon > 0 && server.indexOf(':') == colon || server.startsWith("[") && server.contains("]:");
        String host = hasPort ? server.substring(0, colon) : server;
        int port = hasPort ? Integer.parseInt(server.substring(colon + 1)) : DEFAULT_STUN_PORT;
        host = host.replace("[", "").replace("]", "");
        if (host.isEmpty() || port < 1 || port > 65535) {
            throw new IllegalArgumentException(server);
        }
        return new InetSocketAddress(host, port);
    }
}
