package io.pvkit.grant.internal;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ActiveEntry}'s lock (Xen's active-entry lock): a second locker waits in the contended path until the holder
 * unlocks, then holds the lock itself. No timing is asserted: the test waits for states (with a deadline).
 */
class ActiveEntryLockTest {
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(20);

    private static boolean inContendedPath(Thread t) {
        for (StackTraceElement e : t.getStackTrace()) {
            if (e.getClassName().equals(ActiveEntry.class.getName()) && e.getMethodName().equals("lockContended")) {
                return true;
            }
        }
        return false;
    }

    @Test
    void shouldMakeASecondLockerWaitUntilTheHolderUnlocks() throws Exception {
        ActiveEntry a = new ActiveEntry();
        AtomicBoolean acquired = new AtomicBoolean();
        AtomicBoolean release = new AtomicBoolean();
        a.lock();
        Thread t = Thread.ofPlatform().name("second-locker").start(() -> {
            a.lock();
            acquired.set(true);
            while (!release.get()) {
                Thread.onSpinWait();
            }
            a.unlock();
        });
        long end = System.nanoTime() + DEADLINE_NANOS;
        while (t.isAlive() && !inContendedPath(t) && System.nanoTime() < end) {
            Thread.onSpinWait();
        }
        assertTrue(inContendedPath(t), "the second locker waits in the contended path");
        assertFalse(acquired.get(), "not while the holder holds it");
        a.unlock();
        while (!acquired.get() && System.nanoTime() < end) {
            Thread.onSpinWait();
        }
        assertTrue(acquired.get(), "the second locker got the lock once it was free");
        // now the other thread holds it: this thread's lock must wait in turn
        AtomicBoolean mine = new AtomicBoolean();
        Thread me = Thread.ofPlatform().name("third-locker").start(() -> {
            a.lock();
            mine.set(true);
            a.unlock();
        });
        while (me.isAlive() && !inContendedPath(me) && System.nanoTime() < end) {
            Thread.onSpinWait();
        }
        assertTrue(inContendedPath(me), "a lock held by another thread is waited for");
        assertFalse(mine.get());
        release.set(true);
        t.join(TimeUnit.NANOSECONDS.toMillis(DEADLINE_NANOS));
        me.join(TimeUnit.NANOSECONDS.toMillis(DEADLINE_NANOS));
        assertTrue(mine.get());
        assertFalse(t.isAlive());
        assertFalse(me.isAlive());
    }

    @Test
    void shouldKeepCountsConsistentUnderContention() throws Exception {
        ActiveEntry a = new ActiveEntry();
        AtomicInteger started = new AtomicInteger();
        int threads = 3;
        int rounds = 20_000;
        Thread[] ts = new Thread[threads];
        for (int i = 0; i < threads; i++) {
            ts[i] = Thread.ofPlatform().start(() -> {
                started.incrementAndGet();
                while (started.get() < threads) {
                    Thread.onSpinWait();
                }
                for (int r = 0; r < rounds; r++) {
                    a.lock();
                    try {
                        a.copyRead++; // a plain read-modify-write: only mutual exclusion keeps every increment
                    } finally {
                        a.unlock();
                    }
                }
            });
        }
        for (Thread t : ts) {
            t.join(TimeUnit.NANOSECONDS.toMillis(DEADLINE_NANOS) * 3);
        }
        assertEquals(threads * rounds, a.copyRead);
    }

    @Test
    void shouldLetTheSameThreadLockAgainAfterUnlocking() {
        ActiveEntry a = new ActiveEntry();
        for (int i = 0; i < 3; i++) {
            a.lock();
            a.unlock();
        }
        a.lock(); // free again: an unlock released it
        a.unlock();
    }
}
