package dev.pinhole.rendezvous;

import java.nio.file.Path;

/**
 * How to run a rendezvous.
 *
 * @param publicHost the host peers dial, written into the join code
 */
public record RendezvousConfig(Path dataDir, String bindAddress, int port, String publicHost) {
    public static final int DEFAULT_PORT = 7000;
}
