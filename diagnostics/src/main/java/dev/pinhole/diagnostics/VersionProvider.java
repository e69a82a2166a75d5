package dev.pinhole.diagnostics;

import dev.pinhole.protocol.PinholeVersion;
import picocli.CommandLine.IVersionProvider;

/** {@code --version} on every diagnostics command: the one release string every Pinhole command prints (docs/cli.md). */
final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        return PinholeVersion.versionLines();
    }
}
