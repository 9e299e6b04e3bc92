package io.pvkit.grant.internal;

import io.pvkit.abi.grant.GrantEntryV1Layout;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.MemoryAccess;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;

/**
 * The hypervisor's grant state of one domain: where its table lives, its active entries, the mappings
 * it holds (maptrack) and the mappings of its grants held by others. Guarded by the
 * {@code GrantTables} lock, except the fields the copy fast path reads without it ({@link #nrFrames},
 * {@link #dying}, {@link #activeIfPresent}); each {@link ActiveEntry} has its own lock.
 *
 * <p>Two views of the same memory: {@link #shared} for every access to the shared grant entries (the
 * protocol's fields the granter writes at any time: flags+domid and frame), {@link #memory} for the
 * frames themselves (segments of views, bytes copied, bounds of frame numbers).
 */
public final class DomainGrants {
    public final int domid;
    /** The domain's memory: frame views and copies. */
    public final GuestMemory memory;
    /** The accesses to grant entries ({@link #memory} itself unless a test stands between). */
    public final MemoryAccess shared;
    public final boolean privileged;
    public final long tableBaseGfn;
    public final int maxFrames;
    /** The active table size in frames; grows under the registry lock, read without it by the copy fast path. */
    public volatile int nrFrames = 1;
    /** Set once when teardown starts; read without the registry lock by the copy fast path. */
    public volatile boolean dying;
    /** Mappings or copies that still pin this domain's entries or frames outside the lists below. */
    public int busy;
    public final Maptrack maptrack;
    private final ArrayList<Mapping> foreign = new ArrayList<>();
    /**
     * Active entries by reference. Entries are created and the array grown (copy-on-write) only under the
     * registry lock; the copy fast path reads them without it ({@link #activeIfPresent}).
     */
    private volatile ActiveEntry[] active = new ActiveEntry[GrantEntryV1Layout.ENTRIES_PER_FRAME];
    private static final VarHandle ACTIVE_ELEMENT = MethodHandles.arrayElementVarHandle(ActiveEntry[].class);

    private MemorySegment readOnlyMemory;

    /** @return the read-only view of the whole memory (made once; CHECKED read-only views read through it) */
    public MemorySegment readOnlyMemory() {
        MemorySegment r = readOnlyMemory;
        if (r == null) {
            r = memory.segment().asReadOnly();
            readOnlyMemory = r;
        }
        return r;
    }

    public DomainGrants(int domid, GuestMemory memory, MemoryAccess shared, boolean privileged, long tableBaseGfn,
                        int maxFrames, int maptrackLimit) {
        this.domid = domid;
        this.memory = memory;
        this.shared = shared;
        this.privileged = privileged;
        this.tableBaseGfn = tableBaseGfn;
        this.maxFrames = maxFrames;
        this.maptrack = new Maptrack(maptrackLimit);
    }

    /** @return the number of valid references (512 per active table frame) */
    public int refLimit() {
        return nrFrames * GrantEntryV1Layout.ENTRIES_PER_FRAME;
    }

    /** @return the address of entry {@code ref}'s flags+domid word; {@code ref} must be below refLimit() */
    public long entryGpa(int ref) {
        return GuestMemory.gpaOf(tableBaseGfn + ref / GrantEntryV1Layout.ENTRIES_PER_FRAME)
                + (long) (ref % GrantEntryV1Layout.ENTRIES_PER_FRAME) * GrantEntryV1Layout.SIZE;
    }

    /** @return the active entry of {@code ref}, created if needed. Caller holds the registry lock. */
    public ActiveEntry active(int ref) {
        ActiveEntry[] all = active;
        if (ref >= all.length) {
            ActiveEntry[] grown = new ActiveEntry[Math.max(refLimit(), ref + 1)];
            System.arraycopy(all, 0, grown, 0, all.length);
            all = grown;
            active = grown;
        }
        ActiveEntry a = all[ref];
        if (a == null) {
            a = new ActiveEntry();
            // ORDERING: release: a lock-free reader that sees the entry sees it constructed
            ACTIVE_ELEMENT.setRelease(all, ref, a);
        }
        return a;
    }

    /** @return the active entry of {@code ref} if one was ever created, else null */
    public ActiveEntry peekActive(int ref) {
        return activeIfPresent(ref);
    }

    /**
     * The active entry of {@code ref} without the registry lock (null when none was created yet: the caller
     * then takes the locked path, which creates it).
     *
     * @param ref a reference, at least 0
     * @return the entry or null
     */
    public ActiveEntry activeIfPresent(int ref) {
        ActiveEntry[] all = active;
        return ref < all.length ? (ActiveEntry) ACTIVE_ELEMENT.getAcquire(all, ref) : null;
    }

    public void addForeign(Mapping m) {
        m.foreignIndex = foreign.size();
        foreign.add(m);
    }

    public void removeForeign(Mapping m) {
        if (m.foreignIndex < 0) {
            return;
        }
        Mapping last = foreign.removeLast();
        if (last != m) {
            foreign.set(m.foreignIndex, last);
            last.foreignIndex = m.foreignIndex;
        }
        m.foreignIndex = -1;
    }

    public Mapping anyForeign() {
        return foreign.isEmpty() ? null : foreign.getLast();
    }

    public int foreignCount() {
        return foreign.size();
    }
}
