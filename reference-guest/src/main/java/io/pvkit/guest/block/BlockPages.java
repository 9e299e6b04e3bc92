package io.pvkit.guest.block;

import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.grant.GuestGrantTable;
import io.pvkit.grant.RevokeResult;

import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The frontend's pool of data and indirect pages, taken from the guest's free frames at connect. With
 * persistent grants each page is granted read-write to the backend once, for the device's lifetime
 * (Linux's persistent grant list); otherwise a page is granted per request (read-only for data the backend
 * only reads) and revoked at its response. Data always moves by copy between the caller's buffer and these
 * pages, so no caller memory is ever shared.
 *
 * <p>Reuse is last-in first-out (Linux's blkfront puts a completed request's persistent grants back at the head
 * of its list): a queue depth of {@code d} keeps cycling through about {@code d} requests' pages, which the
 * backend's bounded persistent-grant pool (pvkit's blkback: 256 mappings per queue) can all hold; first-in
 * first-out would rotate through the whole pool, so that most segments fell back to grant copy.
 *
 * <p>Not thread-safe: the vCPU thread only.
 */
final class BlockPages {
    /** One page of the pool. {@code persistentRef} is -1 without persistent grants. */
    record Page(long gfn, int persistentRef) {
        long gpa() {
            return GuestMemory.gpaOf(gfn);
        }
    }

    private final GuestMemory memory;
    private final GuestGrantTable grants;
    private final GuestFrames frames;
    private final int backendId;
    private final boolean persistent;
    private final ArrayDeque<Page> free = new ArrayDeque<>();
    private final List<Page> all = new ArrayList<>();

    BlockPages(GuestMemory memory, GuestGrantTable grants, GuestFrames frames, int backendId, boolean persistent) {
        this.memory = memory;
        this.grants = grants;
        this.frames = frames;
        this.backendId = backendId;
        this.persistent = persistent;
    }

    /**
     * Adds up to {@code count} pages (fewer when the guest's frames or, with persistent grants, its grant
     * references run out).
     *
     * @return the pages added
     */
    int grow(int count) {
        int added = 0;
        while (added < count) {
            if (persistent && grants.freeRefs() <= GRANT_RESERVE) {
                break;
            }
            long gfn = frames.allocate(1);
            if (gfn < 0) {
                break;
            }
            int ref = -1;
            if (persistent) {
                // FE-10 / XSA-403: a page shared for good carries nothing of the guest's
                ref = grants.grantZeroedAccess(backendId, gfn, false);
                if (ref == GuestGrantTable.NO_FREE_REF) {
                    frames.free(gfn, 1);
                    break;
                }
            } else {
                memory.fill(GuestMemory.gpaOf(gfn), GuestMemory.PAGE_SIZE, (byte) 0);
            }
            Page p = new Page(gfn, ref);
            all.add(p);
            free.add(p);
            added++;
        }
        return added;
    }

    /** Grant references kept free for rings and other devices when the pool grows. */
    static final int GRANT_RESERVE = 16;

    boolean persistent() {
        return persistent;
    }

    int available() {
        return free.size();
    }

    int size() {
        return all.size();
    }

    Page take() {
        return free.removeFirst();
    }

    void put(Page p) {
        free.addFirst(p); // LIFO: see the class description
    }

    /** Copies {@code length} bytes of {@code src} from {@code offset} into page {@code p}; zeroes the page's rest. */
    void fill(Page p, MemorySegment src, long offset, int length) {
        memory.copyIn(src, offset, p.gpa(), length);
        if (length < GuestMemory.PAGE_SIZE) {
            memory.fill(p.gpa() + length, GuestMemory.PAGE_SIZE - length, (byte) 0);
        }
    }

    /** Copies {@code length} bytes of page {@code p} into {@code dst} at {@code offset}. */
    void drain(Page p, MemorySegment dst, long offset, int length) {
        memory.copyOut(p.gpa(), dst, offset, length);
    }

    /**
     * Grants a page for one request (without persistent grants).
     *
     * @return the reference, or {@link GuestGrantTable#NO_FREE_REF}
     */
    int grant(Page p, boolean readOnly) {
        return persistent ? p.persistentRef() : grants.grantAccess(backendId, p.gfn(), readOnly);
    }

    /**
     * Ends a per-request grant.
     *
     * @return false when the backend still uses the page (the caller keeps it out of the pool for good)
     */
    boolean revoke(int ref) {
        return persistent || grants.endAccess(ref) == RevokeResult.REVOKED;
    }

    /** Whether the backend still maps a page of the pool (persistent grants only). */
    boolean inUseByBackend() {
        for (Page p : free) {
            if (persistent && grants.isInUse(p.persistentRef())) {
                return true;
            }
        }
        return false;
    }

    int freeRefs() {
        return grants.freeRefs();
    }

    /**
     * Returns every page to the guest at disconnect: revokes persistent grants (a page the backend still
     * maps is kept out of use) and frees the frames of the pages in the pool.
     *
     * @return the grants the backend still held
     */
    int release() {
        int leaked = 0;
        for (Page p : free) {
            if (persistent && grants.endAccess(p.persistentRef()) != RevokeResult.REVOKED) {
                leaked++;
                continue;
            }
            frames.free(p.gfn(), 1);
        }
        free.clear();
        all.clear();
        return leaked;
    }
}
