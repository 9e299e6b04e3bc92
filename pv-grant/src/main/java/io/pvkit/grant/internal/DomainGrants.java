package io.pvkit.grant.internal;

import io.pvkit.abi.grant.GrantEntryV1Layout;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.MemoryAccess;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;

/**
 * The hypervisor's grant state of one domain: where its table lives, its active entries, the mappings
 * it holds (maptrack) and the mappings of its grants held by others. Guarded by the
 * {@code GrantTables} lock.
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
    public int nrFrames = 1;
    public boolean dying;
    /** Mappings or copies that still pin this domain's entries or frames outside the lists below. */
    public int busy;
    public final Maptrack maptrack;
    private final ArrayList<Mapping> foreign = new ArrayList<>();
    private ActiveEntry[] active = new ActiveEntry[GrantEntryV1Layout.ENTRIES_PER_FRAME];

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

    public ActiveEntry active(int ref) {
        if (ref >= active.length) {
            ActiveEntry[] grown = new ActiveEntry[Math.max(refLimit(), ref + 1)];
            System.arraycopy(active, 0, grown, 0, active.length);
            active = grown;
        }
        ActiveEntry a = active[ref];
        if (a == null) {
            a = new ActiveEntry();
            active[ref] = a;
        }
        return a;
    }

    /** @return the active entry of {@code ref} if one was ever created, else null */
    public ActiveEntry peekActive(int ref) {
        return ref < active.length ? active[ref] : null;
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
