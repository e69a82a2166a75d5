package dev.pinhole.rendezvous.ingress;

import dev.pinhole.rendezvous.Limits;
import dev.pinhole.rendezvous.registry.Peer;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * How many public ports an identity and a token hold at once, TCP and UDP together: one quota
 * ({@code --max-ports-per-peer}, four times as many per token), since either kind of port is one socket the
 * operator opened to the internet (docs/udp.md, "Public UDP ports").
 */
final class PortQuota {
    private final Limits limits;
    /** The owners of the ports each kind of ingress holds now, one entry per held port. */
    private final List<Supplier<Collection<Peer>>> holders = new CopyOnWriteArrayList<>();

    PortQuota(Limits limits) {
        this.limits = limits;
    }

    /** Counts the ports {@code owners} lists (one entry per port held) in this quota. */
    void count(Supplier<Collection<Peer>> owners) {
        holders.add(owners);
    }

    /** The quota one more port would break for {@code owner}, or null. */
    String overQuota(Peer owner) {
        int mine = 0;
        int token = 0;
        for (Supplier<Collection<Peer>> kind : holders) {
            for (Peer holder : kind.get()) {
                mine += holder.id().equals(owner.id()) ? 1 : 0;
                token += holder.tokenId().equals(owner.tokenId()) ? 1 : 0;
            }
        }
        if (mine >= limits.portsPerPeer()) {
            return "public ports (TCP and UDP) held at once: " + limits.portsPerPeer() + " (limit per peer; ask the"
                    + " operator to raise --max-ports-per-peer)";
        }
        int perToken = limits.portsPerPeer() * Limits.TOKEN_FACTOR;
        if (token >= perToken) {
            return "public ports (TCP and UDP) held at once: " + perToken + " (limit per token, " + Limits.TOKEN_FACTOR
                    + " x --max-ports-per-peer)";
        }
        return null;
    }
}
