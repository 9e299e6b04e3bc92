package io.pvkit.hypervisor.dom0.block;

import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GnttabMapGrantRefLayout;
import io.pvkit.abi.grant.GnttabUnmapGrantRefLayout;
import io.pvkit.abi.grant.GrantTableOp;
import io.pvkit.abi.hypercall.GuestHypercalls;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.hypervisor.dom0.Dom0Kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The persistent-grant pool of one queue (Linux's {@code persistent_gnts} tree): with
 * {@code feature-persistent} negotiated, the frontend reuses a fixed set of granted pages, so the worker maps
 * each reference the first time it sees it (read-write, as Linux does for persistent grants) and keeps the
 * mapping until the queue disconnects; later requests then move data with a plain memory copy instead of a
 * {@code GNTTABOP_copy} hypercall.
 *
 * <p>Bounded twice: at most {@value #MAX_PER_QUEUE} mappings per queue and a budget shared by every queue
 * of the backend (domain 0's maptrack is finite, and the console and xenstore need their entries). A
 * reference that cannot be mapped read-write (a read-only grant, a bad reference) or that does not fit
 * either bound is remembered as "not persistent" and moved by grant copy, so its checks stay the
 * hypervisor's. Used by its queue's worker thread only; its hypercalls go through the queue's own wrappers.
 */
final class PersistentGrants {
    /** Mappings one queue may keep (Linux's default {@code max_persistent_grants} is 1056 per ring). */
    static final int MAX_PER_QUEUE = 256;
    /** References remembered as not mappable, per queue (bounds the memory a frontend can make us use). */
    private static final int MAX_REFUSED = 4096;
    /** Pseudo virtual addresses of persistent mappings. */
    private static final long MAP_AREA = 0x0000_6800_0000_0000L;
    private static final AtomicLong NEXT_PAGE = new AtomicLong();

    /** A kept mapping; {@code nio} is the page as a buffer for positional file I/O, made once (worker-confined). */
    private record Mapping(int handle, long hostAddr, MemorySegment page, ByteBuffer nio) {
    }

    private final GuestHypercalls hc;
    private final Dom0Kernel kernel;
    private final int guest;
    private final AtomicInteger budget;
    private final BlockCounters counters;
    // an open-addressing table of at most MAX_PER_QUEUE entries (load <= 1/2): looked up for every segment of every
    // request, so a lookup must not box the reference
    private static final int SLOTS = 2 * MAX_PER_QUEUE;
    private final int[] keys = new int[SLOTS];
    private final Mapping[] values = new Mapping[SLOTS];
    private int size;
    private final Set<Integer> refused = new HashSet<>();
    private final MemorySegment map = MemorySegment.ofArray(new long[(int) (GnttabMapGrantRefLayout.SIZE / 8)]);

    PersistentGrants(GuestHypercalls hc, Dom0Kernel kernel, int guest, AtomicInteger budget, BlockCounters counters) {
        this.hc = hc;
        this.kernel = kernel;
        this.guest = guest;
        this.budget = budget;
        this.counters = counters;
    }

    /**
     * The mapping of a reference, mapping it now if it is new and fits the bounds.
     *
     * @param gref the guest's reference (UNTRUSTED: any value; the hypervisor checks it)
     * @return the 4096-byte page, or null to move this segment by grant copy
     */
    MemorySegment page(int gref) {
        Mapping m = get(gref);
        if (m != null) {
            return m.page();
        }
        if (size >= MAX_PER_QUEUE || refused.contains(gref)) {
            return null;
        }
        if (budget.getAndDecrement() <= 0) {
            budget.incrementAndGet();
            return null;
        }
        long hostAddr = MAP_AREA + GuestMemory.gpaOf(NEXT_PAGE.getAndIncrement());
        map.fill((byte) 0);
        map.set(ValueLayout.JAVA_LONG, GnttabMapGrantRefLayout.HOST_ADDR_OFFSET, hostAddr);
        map.set(ValueLayout.JAVA_INT, GnttabMapGrantRefLayout.FLAGS_OFFSET, GntMap.HOST_MAP);
        map.set(ValueLayout.JAVA_INT, GnttabMapGrantRefLayout.REF_OFFSET, gref);
        map.set(ValueLayout.JAVA_SHORT, GnttabMapGrantRefLayout.DOM_OFFSET, (short) guest);
        long rc = hc.grantTableOp(GrantTableOp.MAP_GRANT_REF, map);
        short status = rc < 0 ? -1 : map.get(ValueLayout.JAVA_SHORT, GnttabMapGrantRefLayout.STATUS_OFFSET);
        MemorySegment page = null;
        int handle = map.get(ValueLayout.JAVA_INT, GnttabMapGrantRefLayout.HANDLE_OFFSET);
        if (status == 0) {
            counters.mappings.incrementAndGet();
            page = kernel.grantMapping(handle);
            if (page == null) {
                unmap(handle, hostAddr);
            }
        }
        if (page == null) {
            budget.incrementAndGet();
            if (refused.size() < MAX_REFUSED) {
                refused.add(gref);
            }
            return null;
        }
        put(gref, new Mapping(handle, hostAddr, page, page.asByteBuffer()));
        return page;
    }

    /**
     * The mapping of a reference as a buffer, for a request that the file reads into (or writes from) the
     * granted page directly; maps the reference now if it is new and fits the bounds (as {@link #page}).
     *
     * @param gref the guest's reference (UNTRUSTED: any value; the hypervisor checks it)
     * @return the page's buffer (position and limit are the caller's to set), or null to move this segment by
     *     grant copy
     */
    ByteBuffer buffer(int gref) {
        return page(gref) == null ? null : get(gref).nio();
    }

    private static int slot(int gref) {
        return (gref * 0x9E3779B9) >>> (Integer.SIZE - Integer.numberOfTrailingZeros(SLOTS));
    }

    private Mapping get(int gref) {
        for (int i = slot(gref); ; i = (i + 1) & (SLOTS - 1)) {
            Mapping m = values[i];
            if (m == null || keys[i] == gref) {
                return m;
            }
        }
    }

    private void put(int gref, Mapping m) {
        int i = slot(gref);
        while (values[i] != null) {
            i = (i + 1) & (SLOTS - 1);
        }
        keys[i] = gref;
        values[i] = m;
        size++;
    }

    int size() {
        return size;
    }

    /** Unmaps every persistent mapping and returns the budget (at disconnect). */
    void release() {
        for (int i = 0; i < SLOTS; i++) {
            Mapping m = values[i];
            if (m != null) {
                unmap(m.handle(), m.hostAddr());
                budget.incrementAndGet();
                values[i] = null;
            }
        }
        size = 0;
        refused.clear();
    }

    private void unmap(int handle, long hostAddr) {
        MemorySegment a = MemorySegment.ofArray(new long[(int) (GnttabUnmapGrantRefLayout.SIZE / 8)]);
        a.set(ValueLayout.JAVA_LONG, GnttabUnmapGrantRefLayout.HOST_ADDR_OFFSET, hostAddr);
        a.set(ValueLayout.JAVA_INT, GnttabUnmapGrantRefLayout.HANDLE_OFFSET, handle);
        hc.grantTableOp(GrantTableOp.UNMAP_GRANT_REF, a); // a revoked mapping (dying guest) is gone all the same
        counters.mappings.decrementAndGet();
    }
}
