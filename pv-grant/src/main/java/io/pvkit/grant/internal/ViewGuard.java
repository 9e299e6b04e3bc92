package io.pvkit.grant.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The state word that every access to a CHECKED host mapping checks: one per {@link Mapping} object, so one per
 * maptrack slot (the slot keeps its mapping object across reuses), and shared by every binding of the mapping: its
 * {@link CheckedView} and any number of {@link CheckedCursor}s.
 *
 * <pre>
 *  63                              32 31       30                               0
 * +----------------------------------+---------+----------------------------------+
 * | epoch (which mapping of the slot)| REVOKED | accesses in flight (enter/exit)  |
 * +----------------------------------+---------+----------------------------------+
 * </pre>
 *
 * <p>A binding remembers the epoch it was made for. An access is allowed only while the word's upper half is that
 * epoch and {@code REVOKED} is clear; {@link #arm} gives the slot's next CHECKED mapping the next epoch, so a
 * binding of an earlier mapping of the slot never matches again (until the 32-bit epoch wraps: 2^32 CHECKED maps in
 * the same slot, which takes more than 2^32 maps by the same domain). Writes, bulk copies and channel transfers
 * <em>enter</em> (a CAS that adds one only on a live word of their epoch) and <em>exit</em> (subtract one); scalar
 * reads read, then {@linkplain #isLive validate} after a load-load fence (a seqlock's check). The release path
 * {@linkplain #revoke revokes} with one atomic OR and drops the pins when no access is in flight, or lets the exit
 * that takes the word from {@code REVOKED|1} to {@code REVOKED} complete it ({@link MappingRelease#viewQuiescent}).
 * The word is re-armed only after that completion freed the slot, so no access of an old epoch is in flight then.
 */
public final class ViewGuard {
    /** Bit 31: no access of this epoch starts any more. */
    static final long REVOKED = 1L << 31;
    /** Bits 0..30: accesses in flight. */
    static final long COUNT = REVOKED - 1;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(ViewGuard.class, "state", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** A guard that is revoked for ever (epoch 0 is never armed): what an unbound cursor checks. */
    static final ViewGuard DEAD = new ViewGuard(null);

    /** The mapping object this guard belongs to (for the release path); null for {@link #DEAD}. */
    final Mapping mapping;

    /** Epoch 0, revoked: nothing is bound to a slot before its first CHECKED mapping. */
    @SuppressWarnings("unused") // accessed through STATE
    private volatile long state = REVOKED;

    /**
     * @param mapping the mapping object that owns this guard for its whole life
     */
    ViewGuard(Mapping mapping) {
        this.mapping = mapping;
    }

    /**
     * Gives the slot's new CHECKED host mapping its epoch and makes the word live. Caller holds the registry lock;
     * the word is revoked with nothing in flight (a fresh slot, or a release that completed).
     *
     * @return the epoch bindings of the new mapping check
     */
    int arm() {
        long s = (long) STATE.getVolatile(this);
        if ((s & (REVOKED | COUNT)) != REVOKED) {
            throw new IllegalStateException("re-arming a view guard in use: " + Long.toHexString(s));
        }
        int epoch = (int) (s >>> 32) + 1;
        if (epoch == 0) {
            epoch = 1; // 0 is DEAD's
        }
        // ORDERING: volatile store; a binding made under the same lock afterwards reads the epoch from the mapping
        STATE.setVolatile(this, live(epoch));
        return epoch;
    }

    /** @return the word of a live mapping of {@code epoch} with nothing in flight */
    static long live(int epoch) {
        return (long) epoch << 32;
    }

    /**
     * Revokes the current epoch: from now on no access of it starts. Called once per mapping by the release path.
     *
     * @return true when no access is in flight (the pins may drop now); false when the last one tells
     *     {@link MappingRelease#viewQuiescent} as it exits
     */
    boolean revoke() {
        // ORDERING: full-fence RMW; an enter that succeeded before it is counted in the value replaced
        long before = (long) STATE.getAndBitwiseOr(this, REVOKED);
        return (before & COUNT) == 0;
    }

    /**
     * @param epoch the epoch a release revoked
     * @return true once that epoch is revoked with no access in flight
     */
    boolean quiescent(int epoch) {
        return (long) STATE.getVolatile(this) == (live(epoch) | REVOKED);
    }

    /**
     * Whether a binding of {@code epoch} may use the frame: the seqlock validation of a scalar read, after the
     * read.
     *
     * @param epoch the binding's epoch
     * @return true while the mapping of that epoch is neither unmapped nor replaced
     */
    boolean isLive(int epoch) {
        return ((long) STATE.getVolatile(this) & ~COUNT) == live(epoch);
    }

    /**
     * Starts an access that writes the frame or takes time.
     *
     * @param epoch the binding's epoch
     * @return true when entered (call {@link #exit} after the access); false when the mapping of that epoch is gone
     */
    boolean enter(int epoch) {
        long expected = live(epoch);
        long s = (long) STATE.getVolatile(this);
        while ((s & ~COUNT) == expected) {
            long witness = (long) STATE.compareAndExchange(this, s, s + 1);
            if (witness == s) {
                return true;
            }
            s = witness;
        }
        return false;
    }

    /**
     * Ends an access that {@link #enter}ed.
     *
     * @param epoch the binding's epoch
     * @return true when this was the last access in flight after a revocation (the caller completes the release)
     */
    boolean exit(int epoch) {
        // ORDERING: release of the accesses above; the last exit after a revocation completes the release
        long before = (long) STATE.getAndAdd(this, -1L);
        return before == (live(epoch) | REVOKED | 1);
    }

    @Override
    public String toString() {
        long s = (long) STATE.getVolatile(this);
        return "ViewGuard[epoch " + (s >>> 32) + ((s & REVOKED) != 0 ? ", revoked" : "") + ", in flight "
                + (s & COUNT) + "]";
    }
}
