package io.pvkit.events.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One reader-writer lock per port of one domain: Xen's per-channel {@code evtchn_read_lock} /
 * {@code evtchn_write_lock} ({@code xen/include/xen/event.h}), two {@code int} words per port.
 *
 * <p>Who takes what (the whole locking design of pv-events):
 * <ul>
 *   <li>{@code send}, {@code unmask}, VIRQ delivery and status reads take the <em>read</em> lock of the one port
 *       they act on, so senders on different ports never write a common word and guests do not serialise;</li>
 *   <li>every change of a port's fields (state, peer, remote port, notify vCPU, VIRQ) is made under that port's
 *       <em>write</em> lock; a change of an interdomain pair (bind, close) write-locks both ends, as Xen's
 *       {@code double_evtchn_lock} does. Writers are serialised among themselves by
 *       {@link DomainRegistry#changes()}, so the write lock is never contended and two write locks are never taken
 *       in conflicting orders.</li>
 * </ul>
 * Hence a sender holding the read lock of an interdomain port sees a binding that neither end can close until
 * it is done: it delivers to the binding it read, never to a port closed and reused meanwhile.
 *
 * <p>Layout and protocol: port {@code p} has a reader count (word {@code 2p}) and a writer flag (word
 * {@code 2p + 1}, the same cache line). A reader adds one to the count (one atomic RMW, a full fence), then reads
 * the flag, and backs out while it is set. A writer stores the flag, makes a full fence, then waits until the count is
 * zero. This is Dekker's handshake: of two volatile accesses in opposite order on two threads
 * at least one sees the other's write, so either the reader sees the flag or the writer sees the reader. Because
 * writers are serialised by the registry lock, the writer needs no atomic RMW: taking the write lock is one
 * store and one fence ({@link #writeLockBoth} takes both ends of a channel with one fence), releasing it one
 * release store (the old single-word design, a CAS of a writer bit and an
 * atomic subtract beside the readers' count, cost two atomic RMWs per port and made binding changes ~0.6x as
 * fast). Readers cannot starve a writer: once the flag is set new readers back out. Critical sections are a few
 * field reads and the {@code shared_info} RMWs (and the platform's non-blocking {@code VcpuKicker}), so waiting
 * spins, yielding after a while.
 */
public final class ChannelLocks {
    private static final VarHandle WORD = MethodHandles.arrayElementVarHandle(int[].class);
    private static final int SPINS_BEFORE_YIELD = 64;

    /** {@code [2p]}: readers of port p; {@code [2p + 1]}: 1 while the writer holds port p. */
    private final int[] words;

    /**
     * Locks for ports {@code 0..ports-1}, all free.
     *
     * @param ports the port limit of the domain
     */
    public ChannelLocks(int ports) {
        this.words = new int[2 * ports];
    }

    /**
     * Takes the read lock of {@code port}, waiting while a writer holds it.
     *
     * @param port a valid port
     */
    public void readLock(int port) {
        final int count = port << 1;
        // ORDERING: a volatile RMW (full fence) before the volatile read of the flag: Dekker's handshake with
        // writeLock. Reading the flag as 0 acquires what the last writer released in writeUnlock.
        WORD.getAndAdd(words, count, 1);
        if ((int) WORD.getVolatile(words, count + 1) != 0) {
            readLockSlow(count);
        }
    }

    private void readLockSlow(int count) {
        do {
            WORD.getAndAdd(words, count, -1);
            int spins = 0;
            while ((int) WORD.getVolatile(words, count + 1) != 0) {
                spins = pause(spins);
            }
            WORD.getAndAdd(words, count, 1);
        } while ((int) WORD.getVolatile(words, count + 1) != 0);
    }

    /**
     * Releases a read lock of {@code port}.
     *
     * @param port the port
     */
    public void readUnlock(int port) {
        // ORDERING: a volatile RMW: the reader's reads happen before the next writer's changes.
        WORD.getAndAdd(words, port << 1, -1);
    }

    /**
     * Takes the write lock of {@code port}: sets the writer flag, then waits for the readers to leave.
     * The caller holds {@link DomainRegistry#changes()} (so no other writer holds or takes it).
     *
     * @param port a valid port
     */
    public void writeLock(int port) {
        final int count = port << 1;
        WORD.setOpaque(words, count + 1, 1);
        // ORDERING: the flag store before the count loads (Dekker's handshake with readLock's RMW-then-load).
        VarHandle.fullFence();
        awaitNoReader(count);
    }

    /**
     * Takes the write locks of two different ports (of one domain or of two) with one fence: Xen's
     * {@code double_evtchn_lock} for the two ends of an interdomain channel. The caller holds
     * {@link DomainRegistry#changes()}; release each with {@link #writeUnlock}.
     *
     * @param a the locks of the first port's domain
     * @param portA the first port
     * @param b the locks of the second port's domain
     * @param portB the second port (not the same port of the same domain as the first)
     */
    public static void writeLockBoth(ChannelLocks a, int portA, ChannelLocks b, int portB) {
        final int countA = portA << 1;
        final int countB = portB << 1;
        WORD.setOpaque(a.words, countA + 1, 1);
        WORD.setOpaque(b.words, countB + 1, 1);
        // ORDERING: both flag stores before the count loads: one fence serves the two handshakes.
        VarHandle.fullFence();
        a.awaitNoReader(countA);
        b.awaitNoReader(countB);
    }

    private void awaitNoReader(int count) {
        // ORDERING: a count read as 0 acquires the reads of every reader that left (readUnlock's RMW).
        int spins = 0;
        while ((int) WORD.getVolatile(words, count) != 0) {
            spins = pause(spins);
        }
    }

    /**
     * Releases the write lock of {@code port}.
     *
     * @param port the port
     */
    public void writeUnlock(int port) {
        // ORDERING: a release store: the writer's changes happen before any reader that reads the flag as 0.
        WORD.setRelease(words, (port << 1) + 1, 0);
    }

    /** One step of a wait: spins {@value #SPINS_BEFORE_YIELD} times, then yields; returns the new spin count. */
    static int pause(int spins) {
        if (spins < SPINS_BEFORE_YIELD) {
            Thread.onSpinWait();
            return spins + 1;
        }
        Thread.yield();
        return spins;
    }
}
