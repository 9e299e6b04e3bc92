package io.pvkit.guest.block;

import io.pvkit.abi.xenstore.XenbusState;
import org.HdrHistogram.ConcurrentHistogram;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Live counters of a guest's block I/O (the block section of {@link io.pvkit.guest.GuestStats}): written by
 * the guest's vCPU thread, read from any thread (a progress display samples them).
 *
 * <p>Thread safety: each getter returns a value that was current at some instant during the call; different
 * getters are not a consistent snapshot of each other. Latencies are recorded in an HdrHistogram
 * {@code ConcurrentHistogram} (wait-free recording); {@link #latency()} takes a consistent snapshot of it.
 */
public final class BlockStats {
    /** The largest latency the histogram tracks exactly (longer ones are clamped): one minute. */
    private static final long MAX_TRACKED_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong reads = new AtomicLong();
    private final AtomicLong writes = new AtomicLong();
    private final AtomicLong flushes = new AtomicLong();
    private final AtomicLong discards = new AtomicLong();
    private final AtomicLong bytesRead = new AtomicLong();
    private final AtomicLong bytesWritten = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong verifyMismatches = new AtomicLong();
    private final AtomicLong blocksVerified = new AtomicLong();
    private final AtomicLong notificationsSent = new AtomicLong();
    private final AtomicLong notificationsReceived = new AtomicLong();
    private final AtomicLong grantsLeaked = new AtomicLong();
    private final AtomicLong passes = new AtomicLong();
    private final ConcurrentHistogram latency = new ConcurrentHistogram(1, MAX_TRACKED_NANOS, 3);
    private volatile long firstRequestNanos;
    private volatile long lastCompletionNanos;
    private volatile XenbusState frontendState = XenbusState.UNKNOWN;
    private volatile BlockDeviceState deviceState;
    private volatile BlockFeatures features;
    private volatile BlockPattern pattern;

    /** Fresh counters: nothing done, no device. */
    public BlockStats() {
    }

    /**
     * Completed blkif requests (each read, write, flush, discard; a long transfer split in several counts each).
     *
     * @return the count
     */
    public long requests() {
        return requests.get();
    }

    /**
     * Completed read requests.
     *
     * @return the count
     */
    public long reads() {
        return reads.get();
    }

    /**
     * Completed write requests.
     *
     * @return the count
     */
    public long writes() {
        return writes.get();
    }

    /**
     * Completed flush requests.
     *
     * @return the count
     */
    public long flushes() {
        return flushes.get();
    }

    /**
     * Completed discard requests.
     *
     * @return the count
     */
    public long discards() {
        return discards.get();
    }

    /**
     * Bytes read successfully.
     *
     * @return the count
     */
    public long bytesRead() {
        return bytesRead.get();
    }

    /**
     * Bytes written successfully.
     *
     * @return the count
     */
    public long bytesWritten() {
        return bytesWritten.get();
    }

    /**
     * Bytes moved either way.
     *
     * @return {@code bytesRead() + bytesWritten()}
     */
    public long bytes() {
        return bytesRead() + bytesWritten();
    }

    /**
     * Requests that failed (an error status, or failed with the device).
     *
     * @return the count
     */
    public long errors() {
        return errors.get();
    }

    /**
     * Blocks whose read-back differed from the pattern written.
     *
     * @return the count (0 on a correct run)
     */
    public long verifyMismatches() {
        return verifyMismatches.get();
    }

    /**
     * Blocks read back and found equal to the pattern.
     *
     * @return the count
     */
    public long blocksVerified() {
        return blocksVerified.get();
    }

    /**
     * Event-channel notifications the frontend sent to its backend.
     *
     * @return the count
     */
    public long notificationsSent() {
        return notificationsSent.get();
    }

    /**
     * Event-channel notifications the frontend received from its backend.
     *
     * @return the count
     */
    public long notificationsReceived() {
        return notificationsReceived.get();
    }

    /**
     * Notifications (sent plus received) per completed request: 2.0 without batching, lower when the
     * ring's event hold-off batches them.
     *
     * @return the ratio, 0 before the first request
     */
    public double notificationsPerRequest() {
        long n = requests();
        return n == 0 ? 0 : (double) (notificationsSent() + notificationsReceived()) / n;
    }

    /**
     * Grants the backend still held when the frontend revoked them (the pages are kept out of use).
     *
     * @return the count (0 with a correct backend)
     */
    public long grantsLeaked() {
        return grantsLeaked.get();
    }

    /**
     * Write-and-verify passes the workload completed.
     *
     * @return the count
     */
    public long passes() {
        return passes.get();
    }

    /**
     * The request latencies (submission to completion) so far.
     *
     * @return a snapshot (all zero before the first request)
     */
    public BlockLatency latency() {
        var h = latency.copy();
        return new BlockLatency(h.getTotalCount(), h.getValueAtPercentile(50), h.getValueAtPercentile(90),
                h.getValueAtPercentile(99), h.getValueAtPercentile(99.9), h.getMaxValue(), h.getMean());
    }

    /**
     * The median request latency.
     *
     * @return nanoseconds, 0 before the first request
     */
    public long p50Nanos() {
        return latency.getValueAtPercentile(50);
    }

    /**
     * The 99th percentile request latency.
     *
     * @return nanoseconds, 0 before the first request
     */
    public long p99Nanos() {
        return latency.getValueAtPercentile(99);
    }

    /**
     * Requests per second from the first request to the last completion.
     *
     * @return the rate, 0 before the first completion
     */
    public double iops() {
        double s = activeSeconds();
        return s <= 0 ? 0 : requests() / s;
    }

    /**
     * Megabytes (10^6 bytes) per second moved, from the first request to the last completion.
     *
     * @return the rate, 0 before the first completion
     */
    public double megabytesPerSecond() {
        double s = activeSeconds();
        return s <= 0 ? 0 : bytes() / 1e6 / s;
    }

    private double activeSeconds() {
        long first = firstRequestNanos;
        long last = lastCompletionNanos;
        return first == 0 || last == 0 ? 0 : (last - first) / 1e9;
    }

    /**
     * The state the frontend last wrote for its device ({@code device/vbd/<id>/state}).
     *
     * @return the state; {@link XenbusState#UNKNOWN} before the handshake
     */
    public XenbusState frontendState() {
        return frontendState;
    }

    /**
     * The device's state.
     *
     * @return the state, or null before a device connected
     */
    public BlockDeviceState deviceState() {
        return deviceState;
    }

    /**
     * What the frontend negotiated.
     *
     * @return the features, or null before a device connected
     */
    public BlockFeatures features() {
        return features;
    }

    /**
     * The pattern the workload last wrote and verified across the disk: what an outside check of the disk
     * image expects (see {@link BlockPattern#expected(long, long, int)}).
     *
     * @return the pattern, or null before a pass completed
     */
    public BlockPattern pattern() {
        return pattern;
    }

    @Override
    public String toString() {
        return "BlockStats[" + deviceState + ", requests=" + requests() + ", bytes=" + bytes() + ", errors=" + errors()
                + ", mismatches=" + verifyMismatches() + ", p50=" + p50Nanos() / 1000 + "us, p99=" + p99Nanos() / 1000
                + "us, notifications/request=" + String.format(java.util.Locale.ROOT, "%.2f", notificationsPerRequest())
                + "]";
    }

    // ---- written by the guest's vCPU thread only ----

    void submitted() {
        if (firstRequestNanos == 0) {
            long now = System.nanoTime();
            firstRequestNanos = now == 0 ? 1 : now;
        }
    }

    void completed(io.pvkit.abi.blkif.BlkifOp op, long bytes, long nanos, boolean ok) {
        requests.incrementAndGet();
        if (!ok) {
            errors.incrementAndGet();
        } else {
            switch (op) {
                case READ -> {
                    reads.incrementAndGet();
                    bytesRead.addAndGet(bytes);
                }
                case WRITE -> {
                    writes.incrementAndGet();
                    bytesWritten.addAndGet(bytes);
                }
                case FLUSH_DISKCACHE -> flushes.incrementAndGet();
                case DISCARD -> discards.incrementAndGet();
                default -> { }
            }
        }
        latency.recordValue(Math.min(Math.max(1, nanos), MAX_TRACKED_NANOS));
        lastCompletionNanos = System.nanoTime();
    }

    void failedRequest() {
        errors.incrementAndGet();
    }

    void notificationSent() {
        notificationsSent.incrementAndGet();
    }

    void notificationReceived() {
        notificationsReceived.incrementAndGet();
    }

    void grantLeaked() {
        grantsLeaked.incrementAndGet();
    }

    void verified(long ok, long mismatched) {
        blocksVerified.addAndGet(ok);
        verifyMismatches.addAndGet(mismatched);
    }

    void passDone(BlockPattern p) {
        pattern = p;
        passes.incrementAndGet();
    }

    void frontendState(XenbusState s) {
        frontendState = s;
    }

    void deviceState(BlockDeviceState s) {
        deviceState = s;
    }

    void features(BlockFeatures f) {
        features = f;
    }
}
