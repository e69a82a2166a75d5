package dev.pinhole.lab;

import io.netty.util.internal.PlatformDependent;
import java.lang.management.ManagementFactory;

/**
 * What the in-process rendezvous holds: Netty's direct memory (its buffers, what a flood would grow) and the
 * JVM heap after a collection. The attack tests' clients use plain JDK sockets, so neither counts their side.
 */
record ServerMemory(long direct, long heap) {
    static ServerMemory now() {
        System.gc();
        return new ServerMemory(PlatformDependent.usedDirectMemory(),
                ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }

    /** Growth since {@code before}, in MiB, for messages. */
    String since(ServerMemory before) {
        return String.format("direct +%.1f MiB, heap +%.1f MiB", (direct - before.direct) / 1048576.0,
                (heap - before.heap) / 1048576.0);
    }
}
