package dev.pinhole.rendezvous.registry;

import dev.pinhole.protocol.ControlMessage.NatInfo;

/** What a peer's STUN found about its NAT ({@code NatInfo}), as the dashboard and metrics name it. */
public enum NatKind {
    /** The peer has not reported (yet): STUN is off, or still running. */
    UNKNOWN("unknown"),
    NO_UDP("no-udp"),
    /** The peer runs {@code --relay-only}: no STUN, no direct path, whatever its NAT. */
    RELAY_ONLY("relay-only"),
    /** Endpoint-independent mapping: punching works against it. */
    EASY("easy"),
    /** Mapping depends on the destination (symmetric NAT, many CGNATs). */
    HARD("hard");

    private final String label;

    NatKind(String label) {
        this.label = label;
    }

    public static NatKind of(NatInfo info) {
        return info.relayOnly() ? RELAY_ONLY : !info.udp() ? NO_UDP : info.hard() ? HARD : EASY;
    }

    /** The text the dashboard shows and the metrics' {@code nat_pair} label is made of. */
    public String label() {
        return label;
    }
}
