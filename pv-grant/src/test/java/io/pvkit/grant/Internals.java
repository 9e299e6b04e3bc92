package io.pvkit.grant;

import io.pvkit.grant.internal.ActiveEntry;
import io.pvkit.grant.internal.Registry;

import java.lang.reflect.Field;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Test access to the book-keeping behind a real {@link GrantTables} (the same module's private state): the active
 * entry of a reference, and a check that an operation takes that entry's lock.
 */
final class Internals {
    /**
     * How long a thread may take to reach a state or to finish once nothing holds it back. Far above what the
     * operations need on two loaded cores (microseconds), and below PIT's per-mutant time-out (10 s plus the run's
     * own time), so that an operation that never gets the lock fails the test instead of hanging it.
     */
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(5);

    private Internals() {
    }

    static Registry registry(GrantTables t) {
        try {
            Field f = GrantTables.class.getDeclaredField("registry");
            f.setAccessible(true);
            return (Registry) f.get(t);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /** The active entry of {@code ref} of {@code granter} (created if it was never used). */
    static ActiveEntry entry(GrantTables t, int granter, int ref) {
        Registry r = registry(t);
        synchronized (r) {
            return r.getLocked(granter).active(ref);
        }
    }

    /**
     * Holds {@code entry}'s lock while another thread runs {@code op}, and asserts that the thread waits for that
     * lock (it is seen spinning in the lock's contended path, not finished), then lets it go and asserts that
     * {@code op} completed without an exception. No timing is asserted: the wait is for a state, with a deadline.
     */
    static void assertTakesEntryLock(ActiveEntry entry, Runnable op) throws InterruptedException {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t;
        entry.lock();
        try {
            t = Thread.ofPlatform().name("entry-lock-waiter").start(() -> {
                try {
                    op.run();
                } catch (Throwable x) {
                    failure.set(x);
                }
            });
            long end = System.nanoTime() + DEADLINE_NANOS;
            while (t.isAlive() && !waitsForEntryLock(t) && System.nanoTime() < end) {
                Thread.onSpinWait();
            }
            assertTrue(waitsForEntryLock(t), "the operation waits for the entry's lock (alive: " + t.isAlive() + ")");
        } finally {
            entry.unlock();
        }
        t.join(TimeUnit.NANOSECONDS.toMillis(DEADLINE_NANOS));
        assertFalse(t.isAlive(), "the operation went on once the lock was free");
        assertNull(failure.get(), "the operation completed");
    }

    /**
     * Asserts that nothing holds {@code entry}'s lock: an operation that returned without its unlock would leave the
     * next locker spinning forever; this check fails at once instead (and frees the lock, so that the fixture's
     * teardown does not spin on it).
     */
    static void assertEntryUnlocked(ActiveEntry entry, String after) {
        try {
            Field f = ActiveEntry.class.getDeclaredField("locked");
            f.setAccessible(true);
            int held = f.getInt(entry);
            if (held != 0) {
                f.setInt(entry, 0); // let the fixture's teardown take the lock again, then fail
            }
            assertEquals(0, held, "the entry's lock is still held after " + after);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    private static boolean waitsForEntryLock(Thread t) {
        for (StackTraceElement e : t.getStackTrace()) {
            if (e.getClassName().equals(ActiveEntry.class.getName()) && e.getMethodName().equals("lockContended")) {
                return true;
            }
        }
        return false;
    }
}
