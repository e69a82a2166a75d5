package dev.pinhole.rendezvous.ingress.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StatusLabelTest {
    @Test
    void knownCodesAreTheirOwnLabelOthersTheirClass() {
        assertEquals("200", StatusLabel.of(200));
        assertEquals("404", StatusLabel.of(404));
        assertEquals("2xx", StatusLabel.of(299));
        assertEquals("5xx", StatusLabel.of(599));
        assertEquals("other", StatusLabel.of(0));
        assertEquals("other", StatusLabel.of(1234567));
    }

    @Test
    void aServiceThatAnswersEveryCodeMakesFewLabels() {
        Set<String> labels = new HashSet<>();
        for (int code = 0; code < 100_000; code++) {
            labels.add(StatusLabel.of(code));
        }
        assertTrue(labels.size() < 60, labels.size() + " labels");
    }
}
