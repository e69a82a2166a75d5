package dev.pinhole.rendezvous.ingress.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The changes of phase HttpProxyHandler may make, and the loud failure of one it never makes. */
class PhaseTest {
    @Test
    void aChangeTheHandlerNeverMakesFailsNamingBothPhasesAndWhatWasExpected() {
        Phase.IllegalPhaseChange error = assertThrows(Phase.IllegalPhaseChange.class, () -> Phase.OPENING.to(Phase.RESPONDING));
        assertEquals("phase change: OPENING -> RESPONDING (expected: OPENING -> one of [FORWARDING, DISCARDING, CLOSING])",
                error.getMessage());
        assertThrows(Phase.IllegalPhaseChange.class, () -> Phase.DISCARDING.to(Phase.FORWARDING),
                "the next request waits until the rejected body is dropped");
        assertThrows(Phase.IllegalPhaseChange.class, () -> Phase.SPLICED.to(Phase.IDLE), "a splice is for good");
    }

    @Test
    void anExchangeRunsFromIdleBackToIdle() {
        Phase phase = Phase.IDLE;
        for (Phase next : new Phase[] {Phase.OPENING, Phase.FORWARDING, Phase.INTERIM, Phase.FORWARDING, Phase.RESPONDING,
                Phase.RESPONDED, Phase.IDLE, Phase.DISCARDING, Phase.IDLE, Phase.FORWARDING, Phase.UPGRADING, Phase.SPLICED}) {
            phase = phase.to(next);
            assertEquals(next, phase);
        }
    }

    @Test
    void everyPhaseMayCloseAndAClosingConnectionStaysClosing() {
        for (Phase phase : EnumSet.complementOf(EnumSet.of(Phase.SPLICED))) {
            assertEquals(Phase.CLOSING, phase.to(Phase.CLOSING), phase.name());
        }
        for (Phase next : Phase.values()) {
            assertEquals(Phase.CLOSING, Phase.CLOSING.to(next), "a step that ends after a failed write closed it: " + next);
        }
    }

    @Test
    void aCloseWhileTheCodecsGoLeavesTheSpliceToCollectTheirBytes() {
        assertEquals(Phase.SPLICED, Phase.SPLICED.to(Phase.CLOSING));
    }

    @Test
    void onlyThePhasesWhereTheServiceHasTheRequestWaitForItsResponse() {
        Set<Phase> pending = EnumSet.of(Phase.FORWARDING, Phase.INTERIM, Phase.RESPONDING, Phase.UPGRADING);
        for (Phase phase : Phase.values()) {
            assertEquals(pending.contains(phase), phase.responsePending(), phase.name());
        }
    }
}
