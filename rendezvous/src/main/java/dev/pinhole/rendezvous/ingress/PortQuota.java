package dev.pinhole.rendezvous.ingress;

import dev.pinhole.rendezvous.Limits;
import dev.pinhole.rendezvous.registry.Peer;
import java.util.ArrayList;
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
    /**
     * The owners of ports being bound now (a bind completes later, on the ingress loop): counted too, or a TCP and a
     * UDP port asked for together would both pass a quota of one.
     */
    private final List<Peer> binding = new ArrayList<>();

    PortQuota(Limits limits) {
        this.limits = limits;
    }

    /** Counts the ports {@code owners} lists (one entry per port held) in this quota. */
    void count(Supplier<Collection<Peer>> owners) {
        holders.add(owners);
    }

    /**
     * Claims one more port for {@code owner} while it is bound: null, and then {@link #release} must follow once the
     * port is held (or given up); else the quota it would break, and nothing is claimed.
     */
    synchronized String claim(Peer owner) {
        String over = overQuota(owner);
        if (over == null) {
            binding.add(owner);
        }
        return over;
    }

    /** The port claimed for {@code owner} is held now (its ingress lists it), or was given up. */
    synchronized void release(Peer owner) {
        binding.remove(owner);
    }

    /** The quota one more port would break for {@code owner}, or null. */
    private String overQuota(Peer owner) {
        int mine = 0;
        int token = 0;
        List<Peer> all = new ArrayList<>(binding);
        holders.forEach(kind -> all.addAll(kind.get()));
        for (Peer holder : all) {
            mine += holder.id().equals(owner.id()) ? 1 : 0;
            token += holder.tokenId().equals(owner.tokenId()) ? 1 : 0;
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
