package io.pvkit.grant.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * The copies in flight on the lock-free copy path, so that a domain's teardown knows when no copy touches its
 * memory any more (the locked path counts {@link DomainGrants#busy} instead).
 *
 * <p>Each platform thread that copies owns one {@link Slot} (a hazard pointer): before it touches a domain's
 * memory it publishes the two domains of the copy in its slot with a volatile store, then rechecks that
 * neither is {@link DomainGrants#dying}; after the copy it clears the slot with a release store. Teardown sets
 * {@code dying} (a volatile store) before it scans the slots ({@link #uses}). That is Dekker's pattern: in the
 * total order of volatile accesses either the copy sees {@code dying} (and gives up before touching anything)
 * or the teardown sees the slot (and reports "not done" until it is cleared). A thread has one slot, so a scan
 * costs one read per copying thread, and a copy costs one volatile store and one release store, without an
 * atomic read-modify-write (a per-domain counter would cost four: one increment and one decrement per domain).
 *
 * <p>Virtual threads get no slot ({@link #slot} returns null) and take the locked path: their number is
 * unbounded, and the slot list only grows with the threads that copy.
 */
public final class CopiesInFlight {
    private static final VarHandle FIRST;
    private static final VarHandle SECOND;

    static {
        try {
            FIRST = MethodHandles.lookup().findVarHandle(Slot.class, "first", DomainGrants.class);
            SECOND = MethodHandles.lookup().findVarHandle(Slot.class, "second", DomainGrants.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** One thread's announcement of the domains its copy in flight uses (both null when none). */
    public static final class Slot {
        private final Thread owner;
        @SuppressWarnings("unused") // accessed through FIRST
        private volatile DomainGrants first;
        @SuppressWarnings("unused") // accessed through SECOND
        private volatile DomainGrants second;

        Slot(Thread owner) {
            this.owner = owner;
        }

        /**
         * Announces a copy between the memories of {@code a} and {@code b}. The caller rechecks that neither is
         * dying afterwards, and calls {@link #exit()} when its last access to either memory is done.
         */
        public void enter(DomainGrants a, DomainGrants b) {
            FIRST.setRelease(this, a);
            // ORDERING: volatile store (orders the plain store above, and the later volatile loads of `dying`
            // after it); pairs with the volatile store of `dying` before the scan in CopiesInFlight.uses
            SECOND.setVolatile(this, b);
        }

        /** Ends the announcement: every access of the copy to both memories happened before. */
        public void exit() {
            // ORDERING: release stores: a teardown that reads null in either also sees the copy's accesses done
            SECOND.setRelease(this, (DomainGrants) null);
            FIRST.setRelease(this, (DomainGrants) null);
        }

        boolean uses(DomainGrants d) {
            // ORDERING: volatile load of `second` first (the Dekker pairing); a non-null value makes `first` of
            // the same copy visible to the acquiring load below, and a null there comes from exit (release)
            DomainGrants b = (DomainGrants) SECOND.getVolatile(this);
            return b == d || (b != null && (DomainGrants) FIRST.getAcquire(this) == d);
        }
    }

    private final ThreadLocal<Slot> slots = new ThreadLocal<>();
    /** Every slot ever handed out to a live thread; copy-on-write under this object's monitor. */
    private volatile Slot[] all = new Slot[0];

    /**
     * The calling thread's slot, registered on its first copy.
     *
     * @return the slot, or null for a virtual thread (it takes the locked path)
     */
    public Slot slot() {
        Slot s = slots.get();
        if (s == null) {
            Thread me = Thread.currentThread();
            if (me.isVirtual()) {
                return null;
            }
            s = register(me);
            slots.set(s);
        }
        return s;
    }

    private synchronized Slot register(Thread me) {
        Slot s = new Slot(me);
        Slot[] now = all;
        Slot[] next = new Slot[now.length + 1];
        int n = 0;
        for (Slot old : now) {
            if (old.owner.isAlive()) { // a dead thread's slot is clear (exit runs in a finally): drop it
                next[n++] = old;
            }
        }
        next[n++] = s;
        all = Arrays.copyOf(next, n);
        return s;
    }

    /**
     * Whether a copy in flight may still access {@code d}'s memory. Call only after {@code d.dying} was set:
     * a copy announced later sees it and gives up, so once this returns false no copy touches {@code d} any
     * more.
     *
     * @param d a dying domain
     * @return true while some thread's announced copy uses {@code d}
     */
    public boolean uses(DomainGrants d) {
        for (Slot s : all) {
            if (s.uses(d)) {
                return true;
            }
        }
        return false;
    }
}
