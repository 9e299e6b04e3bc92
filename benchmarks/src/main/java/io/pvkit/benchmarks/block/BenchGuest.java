package io.pvkit.benchmarks.block;

import io.pvkit.guest.GuestEnvironment;
import io.pvkit.guest.Workload;
import io.pvkit.guest.block.BlockCompletion;
import io.pvkit.guest.block.BlockFrontend;
import io.pvkit.guest.block.BlockFrontendOptions;
import io.pvkit.guest.block.BlockStats;
import io.pvkit.guest.block.GuestFrames;
import org.HdrHistogram.Histogram;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The workload of a benchmark guest: connects the guest's first vbd through the reference guest's blkfront
 * ({@link BlockFrontend}) and then serves {@link BlockJob}s posted by the benchmark thread, on the guest's
 * vCPU thread (the frontend is not thread-safe), until {@link #stop()}. Between jobs the vCPU parks.
 *
 * <p>Per job it keeps {@code queueDepth} requests in flight, records each request's latency (submit to
 * completion callback, HdrHistogram) and counts completions; the frontend's {@link BlockStats} counts the
 * notifications in both directions. Requests use the callback form ({@link BlockCompletion}, the buffer's index
 * as the tag), so the guest allocates nothing per request in steady state.
 */
final class BenchGuest implements Workload {
    private final BlockFrontendOptions options;
    final BlockStats stats = new BlockStats();
    final Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(10), 2);
    private final CompletableFuture<BenchGuest> ready = new CompletableFuture<>();
    private volatile BlockJob job;
    private volatile boolean stop;
    private volatile Thread vcpu;
    /** The job's buffers; a request's tag is its buffer's index (the callback form allocates nothing per request). */
    private MemorySegment[] buffers = new MemorySegment[0];
    private long[] started = new long[0];
    private int[] free = new int[0];
    private int freeCount;
    private final BlockCompletion completion = this::done;
    private int bufferSize;
    private long completed;
    private Throwable failure;

    BenchGuest(BlockFrontendOptions options) {
        this.options = options;
    }

    @Override
    public String name() {
        return "bench-block";
    }

    /** Completes when the device is connected (or fails with the reason it did not connect). */
    CompletableFuture<BenchGuest> ready() {
        return ready;
    }

    /** Posts a job (the guest must be idle); {@link BlockJob#await()} waits for it. */
    void post(BlockJob j) {
        job = j;
        LockSupport.unpark(vcpu);
    }

    /** Ends the workload after the current job: the device closes and the guest powers off. */
    void stop() {
        stop = true;
        Thread t = vcpu;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    @Override
    public void run(GuestEnvironment env) {
        try {
            String path = BlockFrontend.find(env.xenstore().orElseThrow(), env.xenstoreHome().orElseThrow()).getFirst();
            GuestFrames frames = new GuestFrames(1, env.startInfo().nrPages());
            try (BlockFrontend disk = BlockFrontend.connect(env, path, options, frames, stats)) {
                vcpu = Thread.currentThread();
                ready.complete(this);
                while (!stop) {
                    BlockJob j = job;
                    if (j == null) {
                        LockSupport.park(this);
                        continue;
                    }
                    job = null;
                    try {
                        j.completed = execute(disk, j);
                    } catch (RuntimeException e) {
                        j.failure = e;
                        throw e;
                    } finally {
                        j.done.countDown();
                    }
                }
            }
        } catch (RuntimeException e) {
            ready.completeExceptionally(e);
            throw e;
        }
    }

    private long execute(BlockFrontend disk, BlockJob j) {
        int depth = Math.max(1, Math.min(j.queueDepth, disk.queueDepth()));
        if (bufferSize != j.blockSize || buffers.length < depth) {
            bufferSize = j.blockSize;
            buffers = new MemorySegment[depth];
            started = new long[depth];
            free = new int[depth];
            for (int i = 0; i < depth; i++) {
                buffers[i] = MemorySegment.ofArray(new byte[j.blockSize]);
            }
        }
        freeCount = 0;
        for (int i = 0; i < buffers.length; i++) {
            free[freeCount++] = i;
        }
        int sectorsPerBlock = j.blockSize / 512;
        long blocks = disk.sectors() / sectorsPerBlock;
        completed = 0;
        failure = null;
        long issued = 0;
        while (true) {
            if (failure != null) {
                throw new IllegalStateException("block request failed", failure);
            }
            boolean more = j.more(issued);
            if (more && disk.outstanding() < depth && freeCount > 0) {
                long lba = BlockSequence.block(j.sequential, j.firstIndex + issued, blocks) * sectorsPerBlock;
                int b = free[--freeCount];
                started[b] = System.nanoTime();
                if (j.write) {
                    disk.writeAsync(lba, buffers[b], b, completion);
                } else {
                    disk.readAsync(lba, buffers[b], b, completion);
                }
                issued++;
                continue;
            }
            if (!more && disk.outstanding() == 0) {
                return completed;
            }
            disk.awaitCompletions();
        }
    }

    private void done(long tag, RuntimeException e) {
        int b = (int) tag;
        free[freeCount++] = b;
        latency.recordValue(Math.min(latency.getHighestTrackableValue(), System.nanoTime() - started[b]));
        if (e != null && failure == null) {
            failure = e;
        }
        completed++;
    }

}
