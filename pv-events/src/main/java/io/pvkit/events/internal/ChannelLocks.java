package io.pvkit.events.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One reader-writer lock per port of one domain: Xen's per-channel {@code evtchn_read_lock} /
 * {@code evtchn_write_lock} ({@code xen/include/xen/event.h}), one {@code int} word per port.
 *
 * <p>Who takes what (the whole locking design of pv-events):
 * <ul>
 *   <li>{@code send}, {@code unmask}, VIRQ delivery and status reads take the <em>read</em> lock of the one port
 *       they act on, so senders on different ports never write a common word and guests do not serialise;</li>
 *   <li>every change of a port's fields (state, peer, remote port, notify vCPU, VIRQ) is made under that port's
 *       <em>write</em> lock; a change of an interdomain pair (bind, close) write-locks both ends, as Xen's
 *       {@code double_evtchn_lock} does. Writers are serialised among themselves by
 *       {@link DomainRegistry#changes()}, so the write bit is never contended and two write locks are never taken
 *       in conflicting orders.</li>
 * </ul>
 * Hence a sender holding the read lock of an interdomain port sees a binding that neither end can close until
 * it is done: it delivers to the binding it read, never to a port closed and reused meanwhile.
 *
 * <p>Word layout: bit 30 is the writer, bits 0..29 count readers. A reader adds one (one atomic RMW) and
 * backs out while the writer bit is set; a writer sets its bit, then waits until no reader is left, so readers
 * cannot starve it. Critical sections are a few field reads and the {@code shared_info} RMWs (and the
 * platform's non-blocking {@code VcpuKicker}), so waiting spins, yielding after a while.
 */
public final class ChannelLocks {
    private static final VarHandle WORD = MethodHandles.arrayElementVarHandle(int[].class);
    private static final int WRITER = 1 << 30;
    private static final int SPINS_BEFORE_YIELD = 64;

    private final int[] words;

    /**
     * Locks for ports {@code 0..ports-1}, all free.
     *
     * @param ports the port limit of the domain
     */
    public ChannelLocks(int ports) {
        this.words = new int[ports];
    }

    /**
     * Takes the read lock of {@code port}, waiting while a writer holds it.
     *
     * @param port a valid port
     */
    public void readLock(int port) {
        // ORDERING: a volatile RMW: acquires what the last writer released in writeUnlock.
        if (((int) WORD.getAndAdd(words, port, 1) & WRITER) != 0) {
            readLockSlow(port);
        }
    }

    private void readLockSlow(int port) {
        do {
            WORD.getAndAdd(words, port, -1);
            int spins = 0;
            while (((int) WORD.getVolatile(words, port) & WRITER) != 0) {
                spins = pause(spins);
            }
        } while (((int) WORD.getAndAdd(words, port, 1) & WRITER) != 0);
    }

    /**
     * Releases a read lock of {@code port}.
     *
     * @param port the port
     */
    public void readUnlock(int port) {
        // ORDERING: a volatile RMW: the reader's reads happen before the next writer's changes.
        WORD.getAndAdd(words, port, -1);
    }

    /**
     * Takes the write lock of {@code port}: sets the writer bit, then waits for the readers to leave.
     * The caller holds {@link DomainRegistry#changes()}.
     *
     * @param port a valid port
     */
    public void writeLock(int port) {
        int spins = 0;
        while (true) {
            int v = (int) WORD.getVolatile(words, port);
            if ((v & WRITER) == 0 && WORD.compareAndSet(words, port, v, v | WRITER)) {
                break;
            }
            spins = pause(spins);
        }
        spins = 0;
        while (((int) WORD.getVolatile(words, port) & ~WRITER) != 0) {
            spins = pause(spins);
        }
    }

    /**
     * Releases the write lock of {@code port}.
     *
     * @param port the port
     */
    public void writeUnlock(int port) {
        // ORDERING: a volatile RMW (readers may be adding and backing out concurrently): releases the changes.
        WORD.getAndAdd(words, port, -WRITER);
    }

    private static int pause(int spins) {
        if (spins < SPINS_BEFORE_YIELD) {
            Thread.onSpinWait();
            return spins + 1;
        }
        Thread.yield();
        return spins;
    }
}
