package dev.pinhole.peer.cli;

import dev.pinhole.protocol.home.PeerHome;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options every peer command takes. */
final class PeerOptions {
    @Option(names = "--home", paramLabel = "DIR", description = "Identity and settings (default: $PINHOLE_HOME or ~/.pinhole).")
    Path home;

    @Option(names = "--json", description = "One JSON object per line instead of text.")
    boolean json;

    PeerHome home() {
        return PeerHome.resolve(home);
    }
}
