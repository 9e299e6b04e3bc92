package io.pvkit.events.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The binding lock: mutual exclusion with visibility of the previous holder's writes, waiting while held, and a
 * loud failure instead of a hang or a silent release when it is misused.
 */
class ChangeLockTest {
    private static final int ROUNDS = Integer.getInteger("pvkit.race.rounds", 5_000) * 20;

    /** Plain fields written only under the lock: a lost update or a torn pair shows a broken exclusion. */
    private long counter;
    private long shadow;

    @Test
    @Timeout(60)
    void threadsThatIncrementUnderTheLockLoseNoUpdate() throws Exception {
        ChangeLock lock = new ChangeLock();
        AtomicReference<String> broken = new AtomicReference<>();
        Runnable body = () -> {
            for (int i = 0; i < ROUNDS; i++) {
                lock.lock();
                try {
                    if (counter != shadow) {
                        broken.compareAndSet(null, "inside the lock counter " + counter + " != shadow " + shadow);
                    }
                    counter++;
                    shadow = counter;
                } finally {
                    lock.unlock();
                }
            }
        };
        Thread a = Thread.ofPlatform().start(body);
        Thread b = Thread.ofPlatform().start(body);
        Thread c = Thread.ofPlatform().start(body);
        a.join();
        b.join();
        c.join();
        assertEquals(null, broken.get());
        lock.lock();
        try {
            assertEquals(3L * ROUNDS, counter, "updates lost: two threads were inside the lock at once");
        } finally {
            lock.unlock();
        }
    }

    @Test
    @Timeout(30)
    void aSecondThreadWaitsUntilTheHolderReleases() throws InterruptedException {
        ChangeLock lock = new ChangeLock();
        lock.lock();
        CountDownLatch entered = new CountDownLatch(1);
        Thread other = Thread.ofPlatform().start(() -> {
            lock.lock();
            entered.countDown();
            lock.unlock();
        });
        assertFalse(entered.await(200, TimeUnit.MILLISECONDS), "another thread took the lock while it was held");
        assertTrue(lock.isHeldByCurrentThread());
        lock.unlock();
        assertTrue(entered.await(10, TimeUnit.SECONDS), "the waiter never got the released lock");
        other.join();
        assertFalse(lock.isHeldByCurrentThread());
    }

    @Test
    @Timeout(20)
    void takingItAgainOnTheHoldingThreadThrowsInsteadOfHanging() throws InterruptedException {
        ChangeLock lock = new ChangeLock();
        AtomicReference<IllegalStateException> thrown = new AtomicReference<>();
        // on a daemon thread, joined with a bound: a lock that waits for itself hangs that thread, not the test
        Thread holder = Thread.ofPlatform().daemon().start(() -> {
            lock.lock();
            try {
                thrown.set(assertThrows(IllegalStateException.class, lock::lock));
            } finally {
                lock.unlock();
            }
        });
        assertTrue(holder.join(java.time.Duration.ofSeconds(5)), "a second lock() on the holding thread hung");
        assertTrue(thrown.get().getMessage().contains("not reentrant"), thrown.get().getMessage());
        lock.lock(); // still usable
        lock.unlock();
    }

    @Test
    @Timeout(10)
    void anUnlockByAThreadThatDoesNotHoldItThrowsAndLeavesTheLockHeld() throws InterruptedException {
        ChangeLock lock = new ChangeLock();
        assertThrows(IllegalStateException.class, lock::unlock, "unlock of a free lock");
        lock.lock();
        AtomicReference<Throwable> seen = new AtomicReference<>();
        Thread other = Thread.ofPlatform().start(() -> {
            try {
                lock.unlock();
            } catch (Throwable t) {
                seen.set(t);
            }
        });
        other.join();
        assertTrue(seen.get() instanceof IllegalStateException, "a foreign unlock was accepted: " + seen.get());
        assertTrue(lock.isHeldByCurrentThread(), "a foreign unlock released the holder's lock");
        lock.unlock();
    }
}
