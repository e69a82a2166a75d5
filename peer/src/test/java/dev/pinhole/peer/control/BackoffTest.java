package dev.pinhole.peer.control;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackoffTest {
    @Test
    void doublesFromAQuarterSecondUpToThirtySecondsWithHalfOfEachDelayRandom() {
        List<Long> lowest = new ArrayList<>();
        List<Long> highest = new ArrayList<>();
        Backoff low = new Backoff(bound -> 0);
        Backoff high = new Backoff(bound -> bound - 1);
        for (int i = 0; i < 10; i++) {
            lowest.add(low.nextDelayMillis());
            highest.add(high.nextDelayMillis());
        }
        assertEquals(List.of(125L, 250L, 500L, 1000L, 2000L, 4000L, 8000L, 15000L, 15000L, 15000L), lowest);
        assertEquals(List.of(250L, 500L, 1000L, 2000L, 4000L, 8000L, 16000L, 30000L, 30000L, 30000L), highest);
    }

    @Test
    void resetStartsOverAfterASuccessfulLogin() {
        Backoff backoff = new Backoff(bound -> 0);
        for (int i = 0; i < 5; i++) {
            backoff.nextDelayMillis();
        }
        backoff.reset();
        assertEquals(125L, backoff.nextDelayMillis());
    }
}
