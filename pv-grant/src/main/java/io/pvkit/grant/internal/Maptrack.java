package io.pvkit.grant.internal;

import java.util.ArrayList;
import java.util.Arrays;

/**
 * A mapper's table of mapping handles with a limit (Xen's maptrack). A handle is
 * {@code generation << indexBits | index}, where {@code indexBits} is the fewest bits that hold every index
 * below the limit and the generation gets all the remaining 31 - indexBits bits (a handle is never negative).
 *
 * <p><b>Stale handles.</b> A slot's generation advances each time the slot is freed, so a stale handle (of an
 * unmapped mapping) is recognised as stale until its slot has been reused {@code 2^(31 - indexBits)} times.
 * Slots are never reused while a fresh one is left, and free slots are reused least recently freed first,
 * so a slot is reused at most once per {@code limit} maps; as {@code limit > 2^(indexBits - 1)}, a stale
 * handle can only alias a newer mapping after more than {@code 2^30} further maps by the same domain (for
 * the default limit 1024: 2^21 reuses of one slot, each after 1023 maps in the other slots). That is the
 * real bound; Xen itself has no generation at all (a maptrack handle is the bare index).
 *
 * <p>A mapping whose view cannot end yet is {@linkplain #retire retired}: its handle is stale at once but its
 * slot stays reserved until {@link #release}. Guarded by the {@code GrantTables} lock.
 */
public final class Maptrack {
    /** The largest limit: 2^20 slots, leaving 11 generation bits. */
    public static final int MAX_LIMIT = 1 << 20;

    private final int limit;
    private final int indexBits;
    private final int indexMask;
    private final int generationMask;
    private Mapping[] slots;
    /** The released mapping object of each free slot, reused by its next map ({@link Mapping#reset}). */
    private Mapping[] spares;
    private int[] generation;
    /** FIFO ring of free slot indices. */
    private int[] free;
    private int freeHead;
    private int freeCount;
    private int used;
    private int retired;
    private final ArrayList<Mapping> live = new ArrayList<>();

    /**
     * @param limit the maximum number of mappings (1 .. {@link #MAX_LIMIT})
     */
    public Maptrack(int limit) {
        this(limit, generationBits(checkLimit(limit)));
    }

    /** A table with a narrower generation, to make the bound visible in tests. */
    Maptrack(int limit, int generationBits) {
        checkLimit(limit);
        this.limit = limit;
        this.indexBits = 31 - generationBits(limit);
        if (generationBits < 1 || generationBits > 31 - indexBits) {
            throw new IllegalArgumentException("generation bits must be 1.." + (31 - indexBits));
        }
        this.indexMask = (1 << indexBits) - 1;
        this.generationMask = (int) ((1L << generationBits) - 1);
        int initial = Math.min(limit, 64);
        this.slots = new Mapping[initial];
        this.spares = new Mapping[initial];
        this.generation = new int[initial];
        this.free = new int[initial];
    }

    private static int checkLimit(int limit) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("maptrack limit must be 1.." + MAX_LIMIT + ", got " + limit);
        }
        return limit;
    }

    /**
     * @param limit a maptrack limit
     * @return the generation bits of its handles: 31 minus the bits of the largest index
     */
    public static int generationBits(int limit) {
        int indexBits = limit == 1 ? 0 : 32 - Integer.numberOfLeadingZeros(limit - 1);
        return 31 - indexBits;
    }

    /**
     * Takes a slot for a new mapping, reusing the slot's released {@link Mapping} object when it has one.
     *
     * @return the new mapping with its handle, or null when the limit is reached
     */
    public Mapping allocate(DomainGrants mapper, DomainGrants granter, boolean readOnly, long hostAddr, int kinds) {
        int index = takeSlot();
        if (index < 0) {
            return null;
        }
        Mapping m = spares[index];
        if (m == null) {
            m = new Mapping(mapper, granter, readOnly, hostAddr, kinds);
        } else {
            spares[index] = null;
            m.reset(mapper, granter, readOnly, hostAddr, kinds);
        }
        bind(index, m);
        return m;
    }

    /** @return the new handle, or -1 when the limit is reached */
    public int allocate(Mapping m) {
        int index = takeSlot();
        if (index < 0) {
            return -1;
        }
        bind(index, m);
        return m.handle;
    }

    private int takeSlot() {
        int index;
        if (used < limit) {
            // a fresh slot first: a slot is reused only once all have been used
            index = used++;
            if (index == slots.length) {
                grow(Math.min(limit, slots.length * 2));
            }
        } else if (freeCount > 0) {
            index = free[freeHead];
            freeHead = (freeHead + 1) % free.length;
            freeCount--;
        } else {
            return -1;
        }
        return index;
    }

    private void bind(int index, Mapping m) {
        slots[index] = m;
        m.handle = ((generation[index] & generationMask) << indexBits) | index;
        m.retired = false;
        m.mapperIndex = live.size();
        live.add(m);
    }

    private void grow(int n) {
        slots = Arrays.copyOf(slots, n);
        spares = Arrays.copyOf(spares, n);
        generation = Arrays.copyOf(generation, n);
        int[] ring = new int[n];
        for (int i = 0; i < freeCount; i++) {
            ring[i] = free[(freeHead + i) % free.length];
        }
        free = ring;
        freeHead = 0;
    }

    /** @return the live mapping of {@code handle} (untrusted input), or null when bad, stale or retired */
    public Mapping lookup(int handle) {
        if (handle < 0) {
            return null;
        }
        int index = handle & indexMask;
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
        int index = m.handle & indexMask;
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
        int index = m.handle & indexMask;
        if (slots[index] != m || !m.retired) {
            return;
        }
        retired--;
        slots[index] = null;
        spares[index] = m;
        generation[index]++;
        free[(freeHead + freeCount) % free.length] = index;
        freeCount++;
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
