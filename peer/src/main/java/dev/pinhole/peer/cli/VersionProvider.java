package dev.pinhole.peer.cli;

import dev.pinhole.protocol.PinholeVersion;
import picocli.CommandLine.IVersionProvider;

/** {@code --version} on every peer command: the one release string every Pinhole command prints (docs/cli.md). */
final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        return PinholeVersion.versionLines();
    }
}
