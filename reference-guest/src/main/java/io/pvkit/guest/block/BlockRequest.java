package io.pvkit.guest.block;

import io.pvkit.abi.blkif.BlkifOp;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;

/**
 * The private shadow of one blkif request (Linux blkfront's {@code struct blk_shadow}): what was asked, the
 * caller's buffer, the pages and grants it uses, and the caller-level operation it belongs to. The backend
 * never sees this object; a response is matched to it by the ring's id only.
 */
final class BlockRequest {
    final BlkifOp op;
    final long sector;
    /** Sectors moved (reads, writes, discards); 0 for a flush. */
    final long sectors;
    /** The caller's part of the buffer this request moves; null for a flush or a discard. */
    final MemorySegment buffer;
    final Operation operation;
    /** Data pages, then indirect pages (set when issued). */
    BlockPages.Page[] pages;
    /** The grant reference of each page (persistent or granted for this request). */
    int[] refs;
    int dataPages;
    long startNanos;
    int queue = -1;
    int id = -1;

    BlockRequest(BlkifOp op, long sector, long sectors, MemorySegment buffer, Operation operation) {
        this.op = op;
        this.sector = sector;
        this.sectors = sectors;
        this.buffer = buffer;
        this.operation = operation;
    }

    /** Data pages this request needs. */
    int dataPagesNeeded() {
        return buffer == null ? 0 : BlkifRequests.segments((int) sectors);
    }

    /**
     * A caller-level operation: one future, completed when its last request completed (exceptionally with the
     * first failure).
     */
    static final class Operation {
        final CompletableFuture<Void> future = new CompletableFuture<>();
        private int remaining;
        private RuntimeException failure;

        Operation(int requests) {
            this.remaining = requests;
        }

        /** One request is done; true when the operation is now complete (the caller completes the future). */
        boolean requestDone(RuntimeException error) {
            if (error != null && failure == null) {
                failure = error;
            }
            return --remaining == 0;
        }

        void complete() {
            if (failure == null) {
                future.complete(null);
            } else {
                future.completeExceptionally(failure);
            }
        }
    }
}
