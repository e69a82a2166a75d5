package dev.pinhole.protocol;

import java.util.Arrays;
import java.util.List;

/**
 * One entry of a service's peer allow list ({@code peer expose --allow-peer}): a peer's key, by the fingerprint
 * {@code peer id} prints, or the peers of a token, by the label its operator gave it ({@code label:NAME}). The
 * rendezvous checks both kinds; the exposer can check keys only, since it never learns token labels
 * (docs/security.md, "Who may connect to a service").
 */
public sealed interface AllowedPeer {
    /** What a user types before a token's label. */
    String LABEL_PREFIX = "label:";
    /**
     * Longest label an entry may name: {@code token create --label} labels are short descriptions ("alice",
     * "ci runner"); this keeps a full list of {@link ControlCodec#MAX_ALLOWED_PEERS} entries a small frame.
     */
    int MAX_LABEL = 64;
    /** What a valid entry looks like, for error messages. */
    String EXPECTED = "expected: a key fingerprint as 'peer id' prints it, sha256:<43 characters>, or label:LABEL"
            + " for the peers of tokens created with --label LABEL";

    /** The entry as typed and as sent: the fingerprint, or {@code label:LABEL}. */
    String text();

    /** A peer's key; {@code fingerprint} is normalised so that two spellings of one key are one entry. */
    record Key(String fingerprint) implements AllowedPeer {
        public Key {
            fingerprint = Fingerprint.normalise(fingerprint);
        }

        @Override
        public String text() {
            return fingerprint;
        }
    }

    /** The peers that logged in with a token labelled {@code label} (every such token, if several share it). */
    record Label(String label) implements AllowedPeer {
        public Label {
            if (label.isEmpty() || label.length() > MAX_LABEL || label.chars().anyMatch(Character::isISOControl)) {
                throw new IllegalArgumentException(LABEL_PREFIX + label + " (expected: a token label of 1.." + MAX_LABEL
                        + " characters, as 'rendezvous token list' shows it)");
            }
        }

        @Override
        public String text() {
            return LABEL_PREFIX + label;
        }
    }

    /** Parses what a user typed; throws IllegalArgumentException naming the entry and what was expected. */
    static AllowedPeer parse(String text) {
        if (text.startsWith(LABEL_PREFIX)) {
            return new Label(text.substring(LABEL_PREFIX.length()));
        }
        try {
            return new Key(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(text + " (" + EXPECTED + ")");
        }
    }

    /** Whether {@code list} names the key {@code fingerprint} itself (labels say nothing about keys). */
    static boolean namesKey(List<AllowedPeer> list, String fingerprint) {
        byte[] key;
        try {
            key = Fingerprint.parse(fingerprint);
        } catch (IllegalArgumentException e) {
            return false;
        }
        return list.stream().anyMatch(entry -> entry instanceof Key k && Arrays.equals(Fingerprint.parse(k.fingerprint()), key));
    }

    /** Whether every entry is a key, so that the exposer can check the whole list itself. */
    static boolean keysOnly(List<AllowedPeer> list) {
        return list.stream().allMatch(entry -> entry instanceof Key);
    }
}
