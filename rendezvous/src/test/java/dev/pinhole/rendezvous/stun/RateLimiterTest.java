package dev.pinhole.rendezvous.stun;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimiterTest {
    @Test
    void aBurstIsAllowedThenTheRateAndEachSourceHasItsOwnBucket() throws Exception {
        AtomicLong now = new AtomicLong();
        RateLimiter limiter = new RateLimiter(20, 40, now::get);
        InetAddress a = InetAddress.getByName("198.18.1.2");
        InetAddress b = InetAddress.getByName("198.18.2.2");
        for (int i = 0; i < 40; i++) {
            assertTrue(limiter.tryAcquire(a), "burst request " + i);
        }
        assertFalse(limiter.tryAcquire(a));
        assertTrue(limiter.tryAcquire(b), "another source is not limited by the first");
        now.addAndGet(50_000_000); // 50 ms at 20/s: one token
        assertTrue(limiter.tryAcquire(a));
        assertFalse(limiter.tryAcquire(a));
    }

    @Test
    void anIpv6SourceIsItsSlash64SoRotatingAddressesBringsNoFreshBudget() throws Exception {
        RateLimiter limiter = new RateLimiter(1, 3, () -> 0);
        for (int i = 1; i <= 3; i++) {
            assertTrue(limiter.tryAcquire(InetAddress.getByName("2001:db8:1:2::" + i)));
        }
        assertFalse(limiter.tryAcquire(InetAddress.getByName("2001:db8:1:2:ffff::9")), "same /64");
        assertTrue(limiter.tryAcquire(InetAddress.getByName("2001:db8:1:3::1")), "another /64");
        assertTrue(limiter.tryAcquire(InetAddress.getByName("2001:db8:1:2::1"), "other-scope"), "another scope");
    }

    @Test
    void aFullTableNeverForgetsASourceInDebt() throws Exception {
        AtomicLong now = new AtomicLong();
        RateLimiter limiter = new RateLimiter(1, 2, now::get, 4);
        InetAddress attacker = InetAddress.getByName("198.18.0.1");
        assertTrue(limiter.tryAcquire(attacker));
        assertTrue(limiter.tryAcquire(attacker));
        assertFalse(limiter.tryAcquire(attacker));
        for (int i = 2; i < 200; i++) { // churn: many new sources, each in debt
            InetAddress source = InetAddress.getByName("198.18.1." + i);
            limiter.tryAcquire(source);
            limiter.tryAcquire(source);
        }
        assertFalse(limiter.tryAcquire(attacker), "still in debt after the churn");
        now.addAndGet(5_000_000_000L); // every bucket has refilled: as good as new, so they may go
        assertTrue(limiter.tryAcquire(InetAddress.getByName("198.18.2.1")));
    }

    @Test
    void lookingMakesNoBucket() throws Exception {
        RateLimiter limiter = new RateLimiter(1, 2, () -> 0, 1);
        for (int i = 1; i < 100; i++) {
            assertTrue(limiter.hasToken(InetAddress.getByName("198.18.3." + i)));
        }
        assertTrue(limiter.tryAcquire(InetAddress.getByName("198.18.4.1")), "the table is still empty");
    }
}
