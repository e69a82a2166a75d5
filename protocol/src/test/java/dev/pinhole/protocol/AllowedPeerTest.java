package dev.pinhole.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class AllowedPeerTest {
    static final String KEY = "sha256:" + "A".repeat(43);

    @Test
    void aFingerprintAsPeerIdPrintsItIsAKeyAndAnyPrefixCaseIsTheSameKey() {
        assertEquals(new AllowedPeer.Key(KEY), AllowedPeer.parse(KEY));
        assertEquals(new AllowedPeer.Key(KEY), AllowedPeer.parse("SHA256:" + "A".repeat(43)));
        assertEquals(KEY, AllowedPeer.parse("A".repeat(43)).text());
    }

    @Test
    void labelEntriesKeepTheLabelAsTyped() {
        AllowedPeer entry = AllowedPeer.parse("label:Alice laptop");
        assertEquals(new AllowedPeer.Label("Alice laptop"), entry);
        assertEquals("label:Alice laptop", entry.text());
    }

    @Test
    void anythingElseIsRefusedNamingTheEntryAndWhatWasExpected() {
        var e = assertThrows(IllegalArgumentException.class, () -> AllowedPeer.parse("xyz"));
        assertEquals("xyz (expected: a key fingerprint as 'peer id' prints it, sha256:<43 characters>, or label:LABEL"
                + " for the peers of tokens created with --label LABEL)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> AllowedPeer.parse("sha256:" + "A".repeat(42)));
        assertEquals("label: (expected: a token label of 1..64 characters, as 'rendezvous token list' shows it)",
                assertThrows(IllegalArgumentException.class, () -> AllowedPeer.parse("label:")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> AllowedPeer.parse("label:" + "x".repeat(65)));
        assertThrows(IllegalArgumentException.class, () -> AllowedPeer.parse("label:a\nb"));
    }

    @Test
    void onlyKeyEntriesNameAKey() {
        List<AllowedPeer> list = List.of(AllowedPeer.parse(KEY), AllowedPeer.parse("label:alice"));
        assertTrue(AllowedPeer.namesKey(list, "SHA256:" + "A".repeat(43)));
        assertFalse(AllowedPeer.namesKey(list, "sha256:" + "B".repeat(43)));
        assertFalse(AllowedPeer.namesKey(list, "label:alice"));
        assertFalse(AllowedPeer.keysOnly(list));
        assertTrue(AllowedPeer.keysOnly(List.of(AllowedPeer.parse(KEY))));
    }
}
