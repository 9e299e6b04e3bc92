package io.pvkit.events.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The one lock every binding change of pv-events holds ({@link DomainRegistry#changes()}): Xen's per-domain
 * {@code event_lock}, a spin lock, here one for all domains because ports are allocated lowest-free-first and an
 * interdomain bind changes two domains at once.
 *
 * <p>Why not {@link java.util.concurrent.locks.ReentrantLock}: its {@code unlock} is a volatile store (a full fence
 * on x86) followed by a check for queued waiters, and a binding change takes this lock once, so a channel's life
 * (alloc, bind, two closes) paid four fences for unlocks alone, about a quarter of its time
 * ({@code benchmarks/analysis/events.md}). Here taking the lock is one CAS (acquire) and releasing it one release
 * store: waiters are not queued, they poll, so the holder never has to look for them. Critical sections are short
 * and never block (field writes, {@code shared_info} RMWs, waiting for in-flight senders of a port, which never
 * block either), so a waiter spins a little, then yields, as {@link ChannelLocks} does; it does not park, so a
 * release can never miss a sleeper.
 *
 * <p>Not reentrant. Taking it again on the thread that holds it is a pv-events bug and throws
 * {@link IllegalStateException} instead of waiting forever. Not fair: a thread that polls at the right moment
 * overtakes others (binding changes are rare next to notifications, and each is bounded work).
 */
public final class ChangeLock {
    private static final VarHandle HELD;

    static {
        try {
            HELD = MethodHandles.lookup().findVarHandle(ChangeLock.class, "held", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** 1 while held. Accessed through {@link #HELD}. */
    @SuppressWarnings("unused")
    private int held;
    /** The holder: written only by the holder after taking the lock and before releasing it. */
    private Thread owner;

    /** Takes the lock, waiting while another thread holds it. */
    public void lock() {
        // ORDERING: a CAS (a full fence on x86, acquire semantics in the JMM): everything the previous holder did
        // before its release store in unlock() happens before what this holder does next.
        if (!HELD.compareAndSet(this, 0, 1)) {
            lockSlow();
        }
        owner = Thread.currentThread();
    }

    private void lockSlow() {
        if (owner == Thread.currentThread()) {
            // a plain read: only this thread ever writes its own Thread into owner, so it reads itself only if it
            // holds the lock
            throw new IllegalStateException("pv-events bug: the binding lock is not reentrant and this thread holds it");
        }
        int spins = 0;
        do {
            while ((int) HELD.getOpaque(this) != 0) {
                spins = ChannelLocks.pause(spins);
            }
        } while (!HELD.compareAndSet(this, 0, 1));
    }

    /** Releases the lock; the caller holds it. */
    public void unlock() {
        if (owner != Thread.currentThread()) {
            throw new IllegalStateException("pv-events bug: unlock of the binding lock by a thread that does not hold it");
        }
        owner = null;
        // ORDERING: a release store: this holder's writes happen before the next holder's CAS reads 0.
        HELD.setRelease(this, 0);
    }

    /**
     * Whether the calling thread holds the lock.
     *
     * @return true if it does
     */
    public boolean isHeldByCurrentThread() {
        return owner == Thread.currentThread();
    }
}
