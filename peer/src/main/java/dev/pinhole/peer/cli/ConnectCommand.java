package dev.pinhole.peer.cli;

import dev.pinhole.peer.node.Connector;
import dev.pinhole.peer.node.Output;
import dev.pinhole.peer.node.RunNode;
import dev.pinhole.protocol.Fingerprint;
import dev.pinhole.protocol.home.PeerHome;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "connect", description = "Listen locally and carry each connection (or UDP flow) to a named service.")
final class ConnectCommand implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;
    @Mixin PeerOptions options;
    @Mixin ServerOption server;
    @Mixin LogOptions logging;
    @Parameters(paramLabel = "NAME", description = "The service's name.")
    String name;
    @Option(names = "--listen", paramLabel = "[HOST:]PORT",
            description = "Where to listen (default: 127.0.0.1 and the service's port if free, else a free port).")
    String listen;
    @Option(names = "--expect-key", paramLabel = "FINGERPRINT",
            description = "Refuse the session unless the exposer's key has this fingerprint.")
    String expectKey;

    @Option(names = "--relay-only", description = "Never try a direct (hole-punched) path; always use the relay.")
    boolean relayOnly;

    @Option(names = "--udp", description = "Carry UDP: listen on a UDP port, each sender a flow of its own, to a"
            + " service exposed with --udp (docs/udp.md).")
    boolean udp;

    @Option(names = "--udp-idle-timeout", paramLabel = "SECONDS",
            description = "With --udp: a sender's flow ends after this long without a datagram either way (default: 60).")
    Integer udpIdleTimeout;

    /** What the flags ask for, checked: the target, whether to stay on the relay, and UDP's idle timeout (null: TCP). */
    record Checked(Connector.Target target, boolean relayOnly, Duration udpIdle) {}

    @Override
    public Integer call() throws Exception {
        Output out = logging.output(spec, options.json);
        Checked checked;
        try {
            checked = check();
        } catch (IllegalArgumentException e) {
            out.usage(e.getMessage());
            return CommandLine.ExitCode.USAGE;
        }
        PeerHome home = options.home();
        Connector connector = new Connector(home.identity(), server.joinCode(home), out, checked.target());
        if (checked.udpIdle() != null) {
            connector.udp(checked.udpIdle());
        }
        connector.directPaths(!checked.relayOnly()).statusDir(home.dir().resolve("run"), null).onWelcome(server.remember(home, out));
        return RunNode.run(connector, out);
    }

    /**
     * Checks the flags as parsed, for this command and for {@code peer up}'s {@code [[connect]]} entries alike.
     *
     * @throws IllegalArgumentException naming the flag and what it expects
     */
    Checked check() {
        String host = "127.0.0.1";
        Integer port = null;
        if (listen != null) {
            int colon = listen.lastIndexOf(':');
            if (colon >= 0) {
                host = listen.substring(0, colon).replace("[", "").replace("]", "");
            }
            try {
                port = Integer.parseInt(listen.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (host.isEmpty() || port < 0 || port > 65535) {
                throw new IllegalArgumentException("--listen " + listen
                        + " (expected: [HOST:]PORT, PORT 0..65535, 0 for any free one)");
            }
        }
        if (expectKey != null) {
            try {
                Fingerprint.parse(expectKey);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--expect-key: " + e.getMessage());
            }
        }
        Duration idle = UdpFlags.idleTimeout(udp, udpIdleTimeout);
        return new Checked(new Connector.Target(name.toLowerCase(Locale.ROOT), host, port, expectKey), relayOnly,
                udp ? idle : null);
    }
}
