package dev.pinhole.rendezvous.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TokensTest {
    final Tokens tokens = new Tokens(new SecureRandom());

    @Test
    void issuedTokenVerifiesAndOnlyItsDigestIsStored() {
        Tokens.Issued issued = tokens.issue("laptop", 100);
        State state = State.EMPTY.withToken(issued.record());
        assertEquals(issued.record(), Tokens.verify(state, issued.token()).orElseThrow());
        String secret = issued.token().substring(issued.token().lastIndexOf('_') + 1);
        assertFalse(issued.record().toString().contains(secret));
        assertTrue(issued.token().matches("pht_[0-9a-f]{8}_[A-Za-z0-9_-]{43}"), issued.token());
    }

    @Test
    void revokedTokenNoLongerVerifies() {
        Tokens.Issued issued = tokens.issue("laptop", 100);
        var r = issued.record();
        State state = State.EMPTY.withToken(new State.TokenRecord(r.id(), r.label(), r.secretSha256(), r.createdAt(), 200L, null));
        assertTrue(Tokens.verify(state, issued.token()).isEmpty());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "pht_", "pht_zz", "pht_00000000_", "nope", "pht_00000000_AAAA"})
    void malformedOrUnknownTokensDoNotVerify(String token) {
        State state = State.EMPTY.withToken(tokens.issue("x", 1).record());
        assertTrue(Tokens.verify(state, token).isEmpty());
    }

    @Test
    void rightIdWrongSecretDoesNotVerify() {
        Tokens.Issued issued = tokens.issue("laptop", 100);
        State state = State.EMPTY.withToken(issued.record());
        String forged = issued.token().substring(0, 13) + "_" + "A".repeat(43);
        assertTrue(Tokens.verify(state, forged).isEmpty());
    }
}
