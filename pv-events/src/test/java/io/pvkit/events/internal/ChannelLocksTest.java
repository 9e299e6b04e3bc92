package io.pvkit.events.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The per-port reader-writer lock: a writer waits for the readers of its port, a reader waits for the writer,
 * readers share, ports are independent, and a reader never sees a writer's change half done.
 */
class ChannelLocksTest {
    private static final int ROUNDS = Integer.getInteger("pvkit.race.rounds", 5_000);

    @Test
    @Timeout(30)
    void writerWaitsUntilTheLastReaderLeaves() throws InterruptedException {
        ChannelLocks locks = new ChannelLocks(8);
        locks.readLock(3);
        locks.readLock(3); // readers share the port
        AtomicBoolean written = new AtomicBoolean();
        Thread writer = Thread.ofPlatform().start(() -> {
            locks.writeLock(3);
            written.set(true);
            locks.writeUnlock(3);
        });
        locks.readUnlock(3);
        writer.join(200);
        assertFalse(written.get(), "the writer got in while a reader still held the port");
        locks.readUnlock(3);
        writer.join();
        assertTrue(written.get());
    }

    @Test
    @Timeout(30)
    void readerWaitsForTheWriterAndOtherPortsDoNot() throws InterruptedException {
        ChannelLocks locks = new ChannelLocks(8);
        locks.writeLock(5);
        locks.readLock(4); // another port is not held
        locks.readUnlock(4);
        CountDownLatch entered = new CountDownLatch(1);
        Thread reader = Thread.ofPlatform().start(() -> {
            locks.readLock(5);
            entered.countDown();
            locks.readUnlock(5);
        });
        assertFalse(entered.await(200, TimeUnit.MILLISECONDS), "a reader got in while the writer held the port");
        locks.writeUnlock(5);
        assertTrue(entered.await(10, TimeUnit.SECONDS));
        reader.join();
        // the lock is free again for a writer
        locks.writeLock(5);
        locks.writeUnlock(5);
    }

    /**
     * A writer keeps two plain fields equal except inside its critical section; a reader on another thread checks
     * them under the read lock. A lock whose writer does not wait for readers, or whose reader does not see the
     * writer's flag (a store-load reordering of the handshake), lets the reader see them differ.
     */
    @Test
    @Timeout(120)
    void readerNeverSeesAChangeHalfDone() throws InterruptedException {
        ChannelLocks locks = new ChannelLocks(2);
        int[] a = new int[2];
        int[] b = new int[2];
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong torn = new AtomicLong();
        AtomicLong reads = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread reader = Thread.ofPlatform().start(() -> {
            try {
                long n = 0;
                while (!stop.get()) {
                    locks.readLock(1);
                    int x = a[1];
                    Thread.onSpinWait();
                    int y = b[1];
                    locks.readUnlock(1);
                    if (x != y) {
                        torn.incrementAndGet();
                    }
                    n++;
                }
                reads.set(n);
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        try {
            for (int round = 1; round <= ROUNDS * 20; round++) {
                locks.writeLock(1);
                a[1] = round;
                Thread.onSpinWait();
                b[1] = round;
                locks.writeUnlock(1);
            }
        } finally {
            stop.set(true);
            reader.join();
        }
        assertNull(failure.get());
        assertTrue(reads.get() > 0, "the reader never ran: the race was not exercised");
        assertEquals(0, torn.get(), "the reader saw a half-done change " + torn.get() + " times");
    }
}
