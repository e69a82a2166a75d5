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
}
