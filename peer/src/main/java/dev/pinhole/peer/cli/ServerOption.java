package dev.pinhole.peer.cli;

import dev.pinhole.peer.node.Output;
import dev.pinhole.protocol.ControlMessage.Welcome;
import dev.pinhole.protocol.JoinCode;
import dev.pinhole.protocol.home.PeerHome;
import java.io.IOException;
import java.util.function.Consumer;
import picocli.CommandLine.Option;

/**
 * The rendezvous to use, for the commands that talk to one ({@code expose}, {@code connect}); the others do
 * not take it, so it is never accepted and then ignored.
 */
final class ServerOption {
    @Option(names = "--server", paramLabel = "JOIN_CODE", description = "Rendezvous join code (default: the one from 'peer login').")
    String server;

    /** Saves the STUN port each Welcome names, for {@code diagnostics nat-type} (a rendezvous may use any port). */
    Consumer<Welcome> remember(PeerHome home, Output out) throws IOException {
        JoinCode code = joinCode(home);
        return welcome -> {
            try {
                home.saveStunPort(code, welcome.stunPort());
            } catch (IOException e) {
                out.note("cannot save the rendezvous' STUN port in " + home.dir() + ": " + e.getMessage());
            }
        };
    }

    /** The join code to use, or a usage error explaining how to get one. */
    JoinCode joinCode(PeerHome home) throws IOException {
        if (server != null) {
            return JoinCode.parse(server);
        }
        return home.server().orElseThrow(() -> new IllegalArgumentException(
                "no rendezvous configured: run 'peer login JOIN_CODE' or pass --server JOIN_CODE"
                        + " (the join code is printed by the rendezvous and kept in its data dir)"));
    }
}
