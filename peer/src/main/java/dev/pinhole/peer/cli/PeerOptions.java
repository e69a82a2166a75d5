package dev.pinhole.peer.cli;

import dev.pinhole.protocol.JoinCode;
import dev.pinhole.protocol.home.PeerHome;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options every peer command takes. */
final class PeerOptions {
    @Option(names = "--home", description = "Identity and settings (default: $PINHOLE_HOME or ~/.pinhole).")
    Path home;

    @Option(names = "--server", paramLabel = "JOIN_CODE", description = "Rendezvous join code (default: the one from 'peer login').")
    String server;

    @Option(names = "--json", description = "One JSON object per line instead of text.")
    boolean json;

    PeerHome home() {
        return PeerHome.resolve(home);
    }

    /** The join code to use, or a usage error explaining how to get one. */
    JoinCode joinCode() throws IOException {
        if (server != null) {
            return JoinCode.parse(server);
        }
        return home().server().orElseThrow(() -> new IllegalArgumentException(
                "no rendezvous configured: run 'peer login JOIN_CODE' or pass --server JOIN_CODE"
                        + " (the join code is printed by the rendezvous and kept in its data dir)"));
    }
}
