package io.pvkit.events;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ThreadVcpuKicker} unparks the thread attached to the kicked vCPU and nothing else. A vCPU thread here parks
 * with no timeout until its "kicked" flag is set, so only a kick (or a spurious wake-up, after which it parks again)
 * ends its wait; the test waits for it with a bounded join.
 */
class ThreadVcpuKickerTest {
    static final Duration BOUND = Duration.ofSeconds(5);

    /** A vCPU thread: parks until {@code kicked} is counted down and it was unparked after that. */
    static Thread vcpuThread(CountDownLatch kicked, CountDownLatch parkedOnce) {
        return Thread.ofPlatform().daemon().unstarted(() -> {
            parkedOnce.countDown();
            do {
                LockSupport.park();
            } while (kicked.getCount() != 0);
        });
    }

    @Test
    @Timeout(30)
    void aKickUnparksTheThreadAttachedToThatVcpu() throws InterruptedException {
        ThreadVcpuKicker kicker = new ThreadVcpuKicker(3);
        for (int vcpu = 0; vcpu < 3; vcpu++) {
            CountDownLatch kicked = new CountDownLatch(1);
            CountDownLatch parked = new CountDownLatch(1);
            Thread t = vcpuThread(kicked, parked);
            kicker.attach(vcpu, t);
            t.start();
            assertTrue(parked.await(BOUND.toSeconds(), TimeUnit.SECONDS));
            kicked.countDown();
            kicker.kick(vcpu);
            assertTrue(t.join(BOUND), "vCPU " + vcpu + "'s thread was not unparked by its kick");
        }
    }

    @Test
    void kicksOfVcpusWithNoThreadOrOutOfRangeAreIgnored() {
        ThreadVcpuKicker kicker = new ThreadVcpuKicker(2);
        for (int vcpu : new int[] {0, 1, -1, 2, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
            kicker.kick(vcpu); // no exception: a kick must never fail the sender
        }
    }

    @Test
    @Timeout(30)
    void aDetachedThreadIsNotUnparked() throws InterruptedException {
        ThreadVcpuKicker kicker = new ThreadVcpuKicker(2);
        CountDownLatch kicked = new CountDownLatch(1);
        CountDownLatch parked = new CountDownLatch(1);
        Thread t = vcpuThread(kicked, parked);
        kicker.attach(1, t);
        kicker.detach(1);
        t.start();
        assertTrue(parked.await(BOUND.toSeconds(), TimeUnit.SECONDS));
        kicked.countDown(); // from here any unpark ends the thread
        kicker.kick(1);
        assertFalse(t.join(Duration.ofMillis(300)), "a kick after detach unparked the detached thread");
        LockSupport.unpark(t);
        assertTrue(t.join(BOUND));
    }
}
