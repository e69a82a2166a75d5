package dev.pinhole.peer.punch;

import dev.pinhole.protocol.ControlMessage.Candidates;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What one side does in a punch round, decided from the two sides' NAT hardness alone (pure; the
 * table is in docs/direct-paths.md). "Easy" is endpoint-independent mapping: the public address STUN
 * saw is the one the other peer will see. "Hard" maps each destination to a new public port, so the
 * other peer cannot know it in advance: one side then opens many sockets (many mappings) and the other
 * guesses ports until one matches, the birthday paradox making a match likely within a few hundred
 * guesses.
 *
 * @param targets      addresses to probe from the main socket
 * @param sockets      extra sockets to open, each probing the other side's public address (hard side against an easy one)
 * @param guessAt      public IP whose ports to guess (easy side against a hard one), or null
 * @param guesses      at most this many guesses
 * @param retry        whether another round is worth it when this one fails
 */
public record PunchPlan(List<InetSocketAddress> targets, int sockets, InetAddress guessAt, int guesses,
                        boolean retry) {
    /** 256 sockets: 174 random guesses for 50 %, 1024 for 98.3 %, 2048 for 99.9 % (danderson/nat-birthday-paradox). */
    public static final int BIRTHDAY_SOCKETS = 256;
    /** The guessing side's bound; together with the pacing in {@link PunchRound} about five seconds. */
    public static final int MAX_GUESSES = 2048;

    public static PunchPlan make(boolean localHard, Candidates remote) {
        Set<InetSocketAddress> all = new LinkedHashSet<>();
        if (remote.reflexive() != null) {
            all.add(remote.reflexive());
        }
        all.addAll(remote.hosts());
        List<InetSocketAddress> targets = new ArrayList<>(all);
        if (localHard && remote.hard()) {
            // Both hard: ~54k probes each for even odds; only addresses on a shared LAN are worth a try.
            return new PunchPlan(List.copyOf(remote.hosts()), 0, null, 0, false);
        }
        if (localHard) {
            // We are hard, they are easy: many sockets, many mappings, for their guesses to hit.
            return new PunchPlan(targets, BIRTHDAY_SOCKETS, null, 0, true);
        }
        if (remote.hard() && remote.reflexive() != null) {
            // We are easy, they are hard: guess ports at their public IP.
            return new PunchPlan(targets, 0, remote.reflexive().getAddress(), MAX_GUESSES, true);
        }
        // Both easy: probe each other's addresses; simultaneous open does the rest.
        return new PunchPlan(targets, 0, null, 0, true);
    }
}
