package io.pvkit.conformance.grant;

/**
 * The guest side of grant tables as the kit drives it: an adapter over the implementation's own granting code (a
 * frontend's grant table, Linux's {@code drivers/xen/grant-table.c}), working on the v1 table the hypervisor set up,
 * for the frontend rules FE-09 .. FE-16 and GNT-28.
 *
 * <p>Every method is one any frontend grant table has (Linux: {@code gnttab_grant_foreign_access},
 * {@code gnttab_grant_foreign_access_ref}, {@code gnttab_end_foreign_access_ref},
 * {@code gnttab_query_foreign_access}, the free count of {@code get_free_entries}); none is optional, so that no MUST
 * rule is skipped for want of a hook. The table lives in the granting guest's own memory: the adapter reads and writes
 * its entries only through the {@link io.pvkit.abi.memory.MemoryAccess} the kit passed to
 * {@link GrantTableSetupVerification#createGrantingGuest}, which the kit watches (FE-11, FE-13).
 *
 * <p>References 0 .. 7 ({@code GNTTAB_NR_RESERVED_ENTRIES}) belong to the toolstack (console, xenstore) and are
 * written only by {@link #grantReserved}; the allocator hands out the others, each once until its access ended.
 */
public interface GrantingGuest {

    /** What {@link #grantAccess} and {@link #sharePage} return when every reference is in use. */
    int NO_FREE_REF = -1;

    /** The answer of {@link #endAccess}: Linux's {@code gnttab_end_foreign_access_ref} plus "not granted". */
    enum EndOfAccess {
        /** The entry's flags are 0 now (a compare-and-swap won against any map): the reference is free again. */
        REVOKED,
        /**
         * The hypervisor had {@code GTF_reading} or {@code GTF_writing} set: nothing was changed, the grant stays
         * valid, the page must not be reused (XSA-396).
         */
        STILL_IN_USE,
        /**
         * The reference is not a grant the allocator handed out and that is still live (never handed out, reserved,
         * beyond the table, or already ended): nothing was changed and nothing freed.
         */
        NOT_GRANTED
    }

    /**
     * One entry of the table as the granting guest reads it from its own memory.
     *
     * @param flags the 16-bit {@code flags} field, hypervisor-set {@code GTF_reading}/{@code GTF_writing} included
     * @param domid the 16-bit {@code domid} field
     * @param frame the 32-bit {@code frame} field, unsigned
     */
    record Entry(int flags, int domid, long frame) {
    }

    /**
     * Shares frame {@code gfn} of the guest with {@code domid} the way the implementation shares pages with a backend:
     * zeroed first (FE-10), then granted as {@link #grantAccess} does.
     *
     * @param domid the backend domain
     * @param gfn a frame of the guest
     * @param readOnly true for a read-only grant
     * @return the grant reference, or {@link #NO_FREE_REF}
     * @throws IllegalArgumentException as {@link #grantAccess} does
     */
    int sharePage(int domid, long gfn, boolean readOnly);

    /**
     * Grants {@code domid} access to frame {@code gfn} without touching the page ({@code gnttab_grant_foreign_access}):
     * takes a free reference and publishes its entry as {@code grant_table.h} says (frame and domid first, then the
     * flags {@code GTF_permit_access [| GTF_readonly]} with a release store or a compare-and-swap).
     *
     * @param domid the grantee, an ordinary domain id
     * @param gfn a frame of the guest
     * @param readOnly true for {@code GTF_readonly}
     * @return the grant reference, or {@link #NO_FREE_REF} when every reference is in use (nothing written)
     * @throws IllegalArgumentException when {@code domid} is not an ordinary domain (e.g. {@code DOMID_SELF}) or
     *     {@code gfn} is not a frame of the guest (nothing written, no reference taken)
     */
    int grantAccess(int domid, long gfn, boolean readOnly);

    /**
     * Writes reserved reference {@code ref} (0 .. 7) as a toolstack does for the console and xenstore pages
     * ({@code gnttab_grant_foreign_access_ref} on a reference the allocator never hands out).
     *
     * @param ref a reserved reference, 0 .. 7
     * @param domid the grantee, an ordinary domain id
     * @param gfn a frame of the guest
     * @param readOnly true for {@code GTF_readonly}
     * @throws IllegalArgumentException when {@code ref} is not a reserved reference (it belongs to the allocator or
     *     lies beyond the table), or the grantee or frame is not valid (nothing written)
     */
    void grantReserved(int ref, int domid, long gfn, boolean readOnly);

    /**
     * Ends the grantee's access ({@code gnttab_end_foreign_access_ref}): read the flags; while {@code GTF_reading} or
     * {@code GTF_writing} is set answer {@link EndOfAccess#STILL_IN_USE}; otherwise compare-and-swap the flags to 0,
     * retrying on a lost race, and free the reference.
     *
     * @param ref any int
     * @return the outcome; {@link EndOfAccess#NOT_GRANTED} for a reference that is not a live grant of the allocator
     */
    EndOfAccess endAccess(int ref);

    /**
     * Reads entry {@code ref} from the guest's memory ({@code gnttab_query_foreign_access} returns its busy bits).
     *
     * @param ref a reference of the table, reserved ones included
     * @return the entry as it is in memory now
     */
    Entry query(int ref);

    /**
     * How many references the allocator can still hand out (Linux's {@code gnttab_free_count}).
     *
     * @return the free count: {@code 512 * frames - 8} for a fresh table
     */
    int freeRefs();
}
