package io.pvkit.grant;

import io.pvkit.abi.DomId;
import io.pvkit.abi.grant.GrantEntryV1Layout;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.grant.GrantRefs;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.MemoryAccess;

import java.util.Arrays;
import java.util.Objects;

/**
 * The granting guest's side of a v1 grant table: the table itself lives in frames of the guest's own
 * memory, which the hypervisor reads and compare-and-swaps.
 *
 * <p>Lifecycle:
 * <ol>
 *   <li>Learn the table frames (from {@code GNTTABOP_setup_table}) and create the table over them.</li>
 *   <li>{@link #grantAccess(int, long, boolean)} a frame to one domain, read-only or writable; pass the
 *       returned reference to the peer (usually through xenstore).</li>
 *   <li>{@link #endAccess(int)} when done. It fails with {@link RevokeResult#STILL_IN_USE} while the
 *       peer has the frame mapped; then the page must not be reused (XSA-396).</li>
 * </ol>
 *
 * <p>References 0..7 are reserved ({@code GNTTAB_NR_RESERVED_ENTRIES}; 0 = console, 1 = xenstore, filled
 * by the toolstack) and never handed out by the allocator; {@link #grantReserved} writes them.
 *
 * <p>Ordering: an entry is published by writing {@code frame} first and then the flags+domid word with
 * release semantics, so a hypervisor that sees the new flags also sees the frame and domid (the
 * {@code wmb()} of {@code grant_table.h}). Revocation is the compare-and-swap on the same 32-bit word
 * that the hypervisor's map uses, so exactly one of "revoke" and "map" wins.
 *
 * <p>Thread safety: all methods may be called from any thread. The allocator is synchronized; entry
 * updates are atomic on the shared word.
 *
 * {@snippet :
 * GuestGrantTable table = new GuestGrantTable(memory, tableGfns);
 * int ref = table.grantZeroedAccess(backendDomid, bufferGfn, true);   // FE-10: zeroed before sharing
 * // ... backend maps, uses and unmaps ...
 * if (table.endAccess(ref) == RevokeResult.STILL_IN_USE) {
 *     // FE-09: keep the page out of circulation and retry later
 * }
 * }
 */
public final class GuestGrantTable {
    /** Returned by the grant methods when no free reference is left. */
    public static final int NO_FREE_REF = -1;

    private static final int IN_USE = GrantFlags.READING | GrantFlags.WRITING;

    private final MemoryAccess memory;
    private final long frames;
    private final long[] frameGpa;
    private final int capacity;
    private final int[] freeStack;
    private final boolean[] allocated;
    private int freeCount;

    /**
     * Creates the guest view of a grant table held in {@code tableGfns} of {@code memory}. All entries
     * except the reserved ones must be unused (as after {@code setup_table}).
     *
     * @param memory the granting domain's memory (a {@link GuestMemory}, or any {@link MemoryAccess} over it:
     *     every access to the entries and the zeroing of shared pages go through it)
     * @param tableGfns the frames of the table, in order (frame {@code i} holds refs
     *     {@code 512*i .. 512*i+511})
     * @throws IllegalArgumentException when a frame is outside the memory or the list is empty
     */
    public GuestGrantTable(MemoryAccess memory, long... tableGfns) {
        this.memory = Objects.requireNonNull(memory, "memory");
        this.frames = memory.byteSize() / GuestMemory.PAGE_SIZE;
        if (tableGfns.length == 0) {
            throw new IllegalArgumentException("a grant table needs at least one frame");
        }
        this.frameGpa = new long[tableGfns.length];
        for (int i = 0; i < tableGfns.length; i++) {
            if (tableGfns[i] < 0 || tableGfns[i] >= frames) {
                throw new IllegalArgumentException("grant table frame " + tableGfns[i] + " outside guest memory");
            }
            frameGpa[i] = GuestMemory.gpaOf(tableGfns[i]);
        }
        this.capacity = tableGfns.length * GrantEntryV1Layout.ENTRIES_PER_FRAME;
        this.freeStack = new int[capacity];
        this.allocated = new boolean[capacity];
        // lowest refs on top of the stack, like Linux's initial free list
        for (int ref = capacity - 1; ref >= GrantRefs.NR_RESERVED_ENTRIES; ref--) {
            freeStack[freeCount++] = ref;
        }
    }

    /**
     * The number of entries in the table (512 per frame), reserved ones included.
     *
     * @return the capacity in references
     */
    public int capacity() {
        return capacity;
    }

    /**
     * The number of references the allocator can still hand out.
     *
     * @return the free count
     */
    public synchronized int freeRefs() {
        return freeCount;
    }

    /**
     * Grants {@code domid} access to frame {@code gfn} of this guest's memory.
     *
     * @param domid the domain allowed to map or copy the frame (an ordinary domain id)
     * @param gfn a frame of this guest's memory
     * @param readOnly true to restrict the grantee to read-only access ({@code GTF_readonly})
     * @return the grant reference, or {@link #NO_FREE_REF} when the table is full
     * @throws IllegalArgumentException when {@code domid} is not an ordinary domain or {@code gfn} is
     *     not a frame of this memory (or does not fit the 32-bit {@code frame} field)
     */
    public int grantAccess(int domid, long gfn, boolean readOnly) {
        checkTarget(domid, gfn);
        int ref = allocate();
        if (ref != NO_FREE_REF) {
            publish(ref, domid, gfn, readOnly);
        }
        return ref;
    }

    /**
     * Zeroes frame {@code gfn} and then grants it (FE-10 / XSA-403: a page shared with a backend must
     * not leak stale data of this guest).
     *
     * @param domid the domain allowed to map or copy the frame
     * @param gfn a frame of this guest's memory
     * @param readOnly true for a read-only grant
     * @return the grant reference, or {@link #NO_FREE_REF} when the table is full (the frame is zeroed
     *     either way)
     */
    public int grantZeroedAccess(int domid, long gfn, boolean readOnly) {
        checkTarget(domid, gfn);
        memory.fill(GuestMemory.gpaOf(gfn), GuestMemory.PAGE_SIZE, (byte) 0);
        return grantAccess(domid, gfn, readOnly);
    }

    /**
     * Writes one of the reserved references 0..7 (console, xenstore), as a toolstack does.
     *
     * @param ref a reserved reference, 0..7
     * @param domid the domain allowed to access the frame
     * @param gfn the frame
     * @param readOnly true for a read-only grant
     */
    public void grantReserved(int ref, int domid, long gfn, boolean readOnly) {
        if (ref < 0 || ref >= GrantRefs.NR_RESERVED_ENTRIES) {
            throw new IllegalArgumentException("not a reserved reference: " + ref);
        }
        checkTarget(domid, gfn);
        publish(ref, domid, gfn, readOnly);
    }

    /**
     * Ends the grantee's access with Xen's protocol: read the flags+domid word; if
     * {@code GTF_reading} or {@code GTF_writing} is set, report {@link RevokeResult#STILL_IN_USE};
     * otherwise compare-and-swap the flags to 0 (keeping domid) and retry on a lost race. On
     * {@link RevokeResult#REVOKED} the reference returns to the free list.
     *
     * @param ref a reference this table handed out
     * @return whether the grant is gone
     * @throws IllegalArgumentException when {@code ref} was not handed out by this table (or was
     *     already revoked)
     */
    public RevokeResult endAccess(int ref) {
        synchronized (this) {
            if (ref < GrantRefs.NR_RESERVED_ENTRIES || ref >= capacity || !allocated[ref]) {
                throw new IllegalArgumentException("grant reference " + ref + " is not in use by this table");
            }
        }
        long word = entryGpa(ref) + GrantEntryV1Layout.FLAGS_OFFSET;
        // ORDERING: volatile read, then a CAS on the same word the hypervisor's _set_status_v1 CASes:
        // whichever CAS comes first wins; no separate barrier is needed (control dependency on the CAS).
        int seen = memory.getIntVolatile(word);
        while (true) {
            if ((seen & IN_USE) != 0) {
                return RevokeResult.STILL_IN_USE;
            }
            int witness = memory.compareAndExchangeInt(word, seen, seen & 0xFFFF0000);
            if (witness == seen) {
                break;
            }
            seen = witness;
        }
        release(ref);
        return RevokeResult.REVOKED;
    }

    /**
     * Reads an entry (flags+domid atomically, then frame).
     *
     * @param ref any reference of the table, 0 .. capacity-1
     * @return the snapshot
     */
    public GrantEntrySnapshot query(int ref) {
        Objects.checkIndex(ref, capacity);
        long gpa = entryGpa(ref);
        int word = memory.getIntVolatile(gpa + GrantEntryV1Layout.FLAGS_OFFSET);
        long frame = Integer.toUnsignedLong(memory.getInt(gpa + GrantEntryV1Layout.FRAME_OFFSET));
        return new GrantEntrySnapshot(ref, word & 0xFFFF, word >>> 16, frame);
    }

    /**
     * Whether {@code ref} is currently mapped or being copied by its grantee. This is advisory only:
     * the grantee may map it right after; use {@link #endAccess(int)} to revoke (XSA-396).
     *
     * @param ref a reference of the table
     * @return true when {@code GTF_reading} or {@code GTF_writing} is set
     */
    public boolean isInUse(int ref) {
        return query(ref).inUse();
    }

    /**
     * The guest-physical address of entry {@code ref}.
     *
     * @param ref a reference of the table
     * @return the address of its {@code flags} field
     */
    public long entryGpa(int ref) {
        Objects.checkIndex(ref, capacity);
        return frameGpa[ref / GrantEntryV1Layout.ENTRIES_PER_FRAME]
                + (long) (ref % GrantEntryV1Layout.ENTRIES_PER_FRAME) * GrantEntryV1Layout.SIZE;
    }

    private void publish(int ref, int domid, long gfn, boolean readOnly) {
        long gpa = entryGpa(ref);
        int flags = GrantFlags.PERMIT_ACCESS | (readOnly ? GrantFlags.READONLY : 0);
        memory.setInt(gpa + GrantEntryV1Layout.FRAME_OFFSET, (int) gfn);
        // ORDERING: frame (and domid, same word) become visible before the type bits that make the
        // entry valid: release store of flags|domid<<16 (the wmb() before writing flags in grant_table.h).
        memory.setIntRelease(gpa + GrantEntryV1Layout.FLAGS_OFFSET, (domid << 16) | flags);
    }

    private void checkTarget(int domid, long gfn) {
        if (!DomId.isOrdinary(domid)) {
            throw new IllegalArgumentException("cannot grant to reserved domain id " + domid);
        }
        if (gfn < 0 || gfn >= frames || gfn > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("frame " + gfn + " is not a frame of this guest");
        }
    }

    private synchronized int allocate() {
        if (freeCount == 0) {
            return NO_FREE_REF;
        }
        int ref = freeStack[--freeCount];
        allocated[ref] = true;
        return ref;
    }

    private synchronized void release(int ref) {
        if (!allocated[ref]) {
            return; // two racing endAccess calls of the same ref: only one returns it
        }
        allocated[ref] = false;
        freeStack[freeCount++] = ref;
    }

    @Override
    public String toString() {
        return "GuestGrantTable[" + capacity + " refs, frames at " + Arrays.toString(frameGpa) + "]";
    }
}
