package io.pvkit.guest.block;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;

/**
 * A block device of 512-byte sectors: read, write, flush and discard of sector ranges, asynchronous
 * (a {@link CompletableFuture} per call) or synchronous (the call waits for its completion).
 *
 * <p>Threading: the guest is uniprocessor. Every method runs on the guest's vCPU thread, and futures
 * complete on that thread, inside {@link #awaitCompletions()}, a synchronous call, or any wait of the
 * guest's event loop (the device's event-channel handlers consume the responses). A callback chained on a
 * future may submit more requests.
 *
 * <p>Buffers: a read or write moves {@code buffer.byteSize()} bytes (a multiple of 512) between the caller's
 * segment (heap or native, any alignment) and the sectors from {@code sector} on; the frontend copies
 * through its own granted pages, so the caller's segment is never shared with the backend. A write's buffer is
 * copied when the request is issued (it may change after the call returns only once the future completed,
 * since a request may wait for ring space); a read's buffer is written only when its response says
 * {@code BLKIF_RSP_OKAY}, and never after the device failed.
 *
 * <p>Errors: a request the backend answers with an error completes exceptionally with
 * {@link BlockIoException} (the device stays usable); a backend that breaks the protocol puts the device into
 * {@link BlockDeviceState#FAILED} and every outstanding and later request completes exceptionally with
 * {@link BlockDeviceFailedException}. Synchronous calls throw these exceptions directly. Argument errors
 * (a range past the end, a buffer that is not a whole number of sectors, a write to a read-only disk, a flush
 * or discard the backend does not offer) throw {@link IllegalArgumentException} or
 * {@link UnsupportedOperationException} at once.
 *
 * <p>Durability: a write's completion means the backend has the data (pvkit's blkback: in the file's page
 * cache at least). Writes that completed before {@link #flush()} was called are durable when the flush
 * completes.
 *
 * {@snippet :
 * BlockDevice disk = ...;                                     // e.g. BlockFrontend.connect(...)
 * MemorySegment block = MemorySegment.ofArray(new byte[4096]);
 * disk.writeAsync(0, block).thenRun(() -> System.out.println("written"));
 * disk.awaitIdle();                                           // runs the events until nothing is in flight
 * disk.read(0, block);                                        // synchronous
 * disk.flush();
 * }
 */
public interface BlockDevice extends AutoCloseable {
    /**
     * The negotiated features and the disk's geometry.
     *
     * @return the features
     */
    BlockFeatures features();

    /**
     * The disk size.
     *
     * @return the number of 512-byte sectors
     */
    default long sectors() {
        return features().sectors();
    }

    /**
     * The most requests the device keeps in flight; more are queued in the guest until space frees up.
     *
     * @return a positive count
     */
    int queueDepth();

    /**
     * The largest transfer one blkif request carries; longer reads and writes are split.
     *
     * @return sectors per request
     */
    int maxSectorsPerRequest();

    /**
     * Where the device stands.
     *
     * @return the state
     */
    BlockDeviceState state();

    /**
     * Requests submitted and not completed (in flight plus queued in the guest).
     *
     * @return the count
     */
    int outstanding();

    /**
     * Reads {@code buffer.byteSize()} bytes from {@code sector} on.
     *
     * @param sector the first sector
     * @param buffer receives the data; a multiple of 512 bytes
     * @return completes when the data is in {@code buffer}
     */
    CompletableFuture<Void> readAsync(long sector, MemorySegment buffer);

    /**
     * Writes {@code buffer} from {@code sector} on.
     *
     * @param sector the first sector
     * @param buffer the data; a multiple of 512 bytes
     * @return completes when the backend has the data
     */
    CompletableFuture<Void> writeAsync(long sector, MemorySegment buffer);

    /**
     * Reads like {@link #readAsync(long, MemorySegment)}, reporting the end to {@code done} instead of a future.
     * The default wraps the future; {@link BlockFrontend} allocates nothing per call in steady state.
     *
     * @param sector the first sector
     * @param buffer where the data goes (see the class description)
     * @param tag passed back to {@code done} unchanged
     * @param done called once, on the vCPU thread, when the operation ended
     */
    default void readAsync(long sector, MemorySegment buffer, long tag, BlockCompletion done) {
        java.util.Objects.requireNonNull(done, "done");
        readAsync(sector, buffer).whenComplete((v, e) -> done.completed(tag, BlockCompletions.unwrap(e)));
    }

    /**
     * Writes like {@link #writeAsync(long, MemorySegment)}, reporting the end to {@code done} instead of a
     * future. The default wraps the future; {@link BlockFrontend} allocates nothing per call in steady state.
     *
     * @param sector the first sector
     * @param buffer the data (see the class description)
     * @param tag passed back to {@code done} unchanged
     * @param done called once, on the vCPU thread, when the operation ended
     */
    default void writeAsync(long sector, MemorySegment buffer, long tag, BlockCompletion done) {
        java.util.Objects.requireNonNull(done, "done");
        writeAsync(sector, buffer).whenComplete((v, e) -> done.completed(tag, BlockCompletions.unwrap(e)));
    }

    /**
     * Flushes the backend's cache ({@code BLKIF_OP_FLUSH_DISKCACHE}).
     *
     * @return completes when every write completed before this call is durable
     * @throws UnsupportedOperationException when the backend offers no flush
     */
    CompletableFuture<Void> flushAsync();

    /**
     * Discards sectors ({@code BLKIF_OP_DISCARD}); they read back as zeros or as the old data.
     *
     * @param sector the first sector
     * @param count the number of sectors, at least 1
     * @return completes when the backend discarded them
     * @throws UnsupportedOperationException when the backend offers no discard
     */
    CompletableFuture<Void> discardAsync(long sector, long count);

    /**
     * {@link #readAsync} and wait.
     *
     * @param sector the first sector
     * @param buffer receives the data
     * @throws BlockDeviceException when the request failed
     */
    default void read(long sector, MemorySegment buffer) {
        await(readAsync(sector, buffer));
    }

    /**
     * {@link #writeAsync} and wait.
     *
     * @param sector the first sector
     * @param buffer the data
     * @throws BlockDeviceException when the request failed
     */
    default void write(long sector, MemorySegment buffer) {
        await(writeAsync(sector, buffer));
    }

    /**
     * {@link #flushAsync} and wait.
     *
     * @throws BlockDeviceException when the flush failed
     */
    default void flush() {
        await(flushAsync());
    }

    /**
     * {@link #discardAsync} and wait.
     *
     * @param sector the first sector
     * @param count the number of sectors
     * @throws BlockDeviceException when the discard failed
     */
    default void discard(long sector, long count) {
        await(discardAsync(sector, count));
    }

    /**
     * Runs the guest's events until {@code future} is done.
     *
     * @param future a future of this device
     * @throws BlockDeviceException the future's failure
     */
    void await(CompletableFuture<?> future);

    /**
     * Sleeps until at least one response arrives (or the device fails), and completes what arrived.
     *
     * @return the number of requests completed
     * @throws BlockDeviceFailedException when the device failed or closed while requests were outstanding
     */
    int awaitCompletions();

    /**
     * Runs {@link #awaitCompletions()} until nothing is outstanding.
     *
     * @throws BlockDeviceFailedException when the device failed or closed
     */
    default void awaitIdle() {
        while (outstanding() > 0) {
            awaitCompletions();
        }
    }

    /**
     * Waits (bounded) for outstanding requests, disconnects from the backend (Closing, Closed) and returns
     * the device's pages and grants. Idempotent.
     */
    @Override
    void close();
}
