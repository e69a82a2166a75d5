package dev.pinhole.protocol.cli;

import dev.pinhole.protocol.PinholeVersion;
import picocli.CommandLine.IVersionProvider;

/** {@code --version} on every command of the three CLIs: the one release string they all print (docs/cli.md). */
public final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        return PinholeVersion.versionLines();
    }
}
