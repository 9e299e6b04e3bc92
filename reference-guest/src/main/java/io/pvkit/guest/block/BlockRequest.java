package io.pvkit.guest.block;

import io.pvkit.abi.blkif.BlkifOp;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;

/**
 * The private shadow of one blkif request (Linux blkfront's {@code struct blk_shadow}): what was asked, the
 * caller's buffer range, the pages and grants it uses, and the caller-level operation it belongs to. The backend
 * never sees this object; a response is matched to it by the ring's id only.
 *
 * <p>Reused: the frontend keeps completed shadows (and their arrays, grown to the largest request seen) in a
 * free list, so a request in steady state allocates nothing ({@link #set} re-arms one).
 */
final class BlockRequest {
    BlkifOp op;
    long sector;
    /** Sectors moved (reads, writes, discards); 0 for a flush. */
    long sectors;
    /** The caller's buffer; null for a flush or a discard. This request moves {@code bytes} from {@code offset}. */
    MemorySegment buffer;
    long offset;
    long bytes;
    Operation operation;
    /** Data pages, then indirect pages (set when issued); the array may be longer than {@link #pageCount}. */
    BlockPages.Page[] pages = new BlockPages.Page[0];
    /** The grant reference of each page (persistent or granted for this request). */
    int[] refs = new int[0];
    /** Whether each page's grant ended (per-request grants) and the page may go back to the pool. */
    boolean[] reusable = new boolean[0];
    int pageCount;
    int dataPages;
    long startNanos;
    int queue = -1;
    int id = -1;

    BlockRequest() {
    }

    /** Arms this shadow for a new request (the arrays are kept). */
    BlockRequest set(BlkifOp op, long sector, long sectors, MemorySegment buffer, long offset, long bytes,
                     Operation operation) {
        this.op = op;
        this.sector = sector;
        this.sectors = sectors;
        this.buffer = buffer;
        this.offset = offset;
        this.bytes = bytes;
        this.operation = operation;
        this.pageCount = 0;
        this.dataPages = 0;
        this.startNanos = 0;
        this.queue = -1;
        this.id = -1;
        return this;
    }

    /** Makes room for {@code n} pages (grows the arrays only when a larger request comes). */
    void ensurePages(int n) {
        if (pages.length < n) {
            pages = new BlockPages.Page[n];
            refs = new int[n];
            reusable = new boolean[n];
        }
        pageCount = n;
    }

    /** Drops the references to the caller's objects (the shadow goes back to the free list). */
    void clear() {
        buffer = null;
        operation = null;
        java.util.Arrays.fill(pages, 0, pageCount, null);
        pageCount = 0;
    }

    /** Data pages this request needs. */
    int dataPagesNeeded() {
        return buffer == null ? 0 : BlkifRequests.segments((int) sectors);
    }

    /**
     * A caller-level operation: a future or a callback with its tag, completed when its last request completed
     * (exceptionally with the first failure). Reused like the requests.
     */
    static final class Operation {
        CompletableFuture<Void> future;
        BlockCompletion callback;
        long tag;
        private int remaining;
        private RuntimeException failure;

        Operation() {
        }

        /** Arms this operation for {@code requests} requests, ending in {@code future} or {@code callback}. */
        Operation set(int requests, CompletableFuture<Void> future, BlockCompletion callback, long tag) {
            this.remaining = requests;
            this.failure = null;
            this.future = future;
            this.callback = callback;
            this.tag = tag;
            return this;
        }

        /** One request is done; true when the operation is now complete (the caller completes it). */
        boolean requestDone(RuntimeException error) {
            if (error != null && failure == null) {
                failure = error;
            }
            return --remaining == 0;
        }

        RuntimeException failure() {
            return failure;
        }

        /** Completes a future operation (a callback operation is completed by the frontend, see there). */
        static void complete(CompletableFuture<Void> future, BlockCompletion callback, long tag, RuntimeException failure) {
            if (future != null) {
                if (failure == null) {
                    future.complete(null);
                } else {
                    future.completeExceptionally(failure);
                }
            } else {
                callback.completed(tag, failure);
            }
        }
    }
}
