package io.pvkit.grant.internal;

import java.util.ArrayList;
import java.util.Arrays;

/**
 * A mapper's table of mapping handles with a limit (Xen's maptrack). A handle is
 * {@code generation << 20 | index}: a stale handle whose slot was reused for a new mapping is still
 * recognised as stale, so a double unmap can never hit somebody else's mapping. Guarded by the
 * {@code GrantTables} lock.
 */
public final class Maptrack {
    public static final int MAX_LIMIT = 1 << 20;
    private static final int INDEX_MASK = MAX_LIMIT - 1;
    private static final int GEN_MASK = 0x7FF;

    private final int limit;
    private Mapping[] slots;
    private short[] generation;
    private int[] free;
    private int freeCount;
    private int used;
    private int retired;
    private final ArrayList<Mapping> live = new ArrayList<>();

    public Maptrack(int limit) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("maptrack limit must be 1.." + MAX_LIMIT + ", got " + limit);
        }
        this.limit = limit;
        int initial = Math.min(limit, 64);
        this.slots = new Mapping[initial];
        this.generation = new short[initial];
        this.free = new int[initial];
    }

    /** @return the new handle, or -1 when the limit is reached */
    public int allocate(Mapping m) {
        int index;
        if (freeCount > 0) {
            index = free[--freeCount];
        } else if (used < limit) {
            index = used++;
            if (index == slots.length) {
                int n = Math.min(limit, slots.length * 2);
                slots = Arrays.copyOf(slots, n);
                generation = Arrays.copyOf(generation, n);
                free = Arrays.copyOf(free, n);
            }
        } else {
            return -1;
        }
        slots[index] = m;
        m.handle = ((generation[index] & GEN_MASK) << 20) | index;
        m.mapperIndex = live.size();
        live.add(m);
        return m.handle;
    }

    /** @return the live mapping of {@code handle} (untrusted input), or null when bad, stale or retired */
    public Mapping lookup(int handle) {
        if (handle < 0) {
            return null;
        }
        int index = handle & INDEX_MASK;
        if (index >= used) {
            return null;
        }
        Mapping m = slots[index];
        return m != null && !m.retired && m.handle == handle ? m : null;
    }

    /**
     * Makes {@code m}'s handle stale (lookups miss it, it leaves the live list) but keeps its slot reserved:
     * the slot is not reused before {@link #release} (its view may still be alive).
     */
    public void retire(Mapping m) {
        int index = m.handle & INDEX_MASK;
        if (slots[index] != m || m.retired) {
            return;
        }
        m.retired = true;
        retired++;
        Mapping last = live.removeLast();
        if (last != m) {
            live.set(m.mapperIndex, last);
            last.mapperIndex = m.mapperIndex;
        }
        m.mapperIndex = -1;
    }

    /** Frees a retired mapping's slot for reuse. */
    public void release(Mapping m) {
        int index = m.handle & INDEX_MASK;
        if (slots[index] != m || !m.retired) {
            return;
        }
        retired--;
        slots[index] = null;
        generation[index]++;
        free[freeCount++] = index;
    }

    /** Retires and releases at once: for a mapping that never had a view (a failed map). */
    public void free(Mapping m) {
        retire(m);
        release(m);
    }

    /** @return the slots in use: live mappings plus retired ones whose view has not ended yet */
    public int slotsInUse() {
        return live.size() + retired;
    }

    public int size() {
        return live.size();
    }

    public Mapping any() {
        return live.isEmpty() ? null : live.getLast();
    }

    public int limit() {
        return limit;
    }
}
