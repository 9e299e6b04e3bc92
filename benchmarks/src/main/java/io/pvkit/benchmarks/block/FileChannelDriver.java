package io.pvkit.benchmarks.block;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The baseline of the block benchmarks: the same blocks ({@link BlockSequence}) read or written directly with
 * positional {@link FileChannel} I/O on the same image, at the same queue depth. {@code FileChannel} is
 * synchronous, so queue depth {@code d} is {@code d} threads each with one request outstanding (depth 1 runs
 * on the caller's thread). Buffers are direct, one per thread; writes are not forced (flush off).
 */
final class FileChannelDriver implements AutoCloseable {
    private final FileChannel fc;
    private final ExecutorService pool;
    private final int depth;
    private final long bytes;
    private final ThreadLocal<ByteBuffer> buffers = new ThreadLocal<>();

    FileChannelDriver(Path image, int depth) {
        try {
            this.fc = FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE);
            this.bytes = fc.size();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.depth = depth;
        this.pool = depth > 1 ? Executors.newFixedThreadPool(depth, r -> Thread.ofPlatform().daemon(true)
                .name("filechannel-qd").unstarted(r)) : null;
    }

    /** Performs the job's {@code count} requests; returns the number done. */
    long run(BlockJob j) {
        long blocks = bytes / j.blockSize;
        AtomicLong next = new AtomicLong();
        Callable<Long> worker = () -> {
            ByteBuffer b = buffers.get();
            if (b == null || b.capacity() != j.blockSize) {
                b = ByteBuffer.allocateDirect(j.blockSize);
                buffers.set(b);
            }
            long done = 0;
            for (long i; (i = next.getAndIncrement()) < j.count; ) {
                long pos = BlockSequence.block(j.sequential, j.firstIndex + i, blocks) * j.blockSize;
                b.clear();
                while (b.hasRemaining()) {
                    int n = j.write ? fc.write(b, pos + b.position()) : fc.read(b, pos + b.position());
                    if (n < 0) {
                        throw new IOException("end of file at " + pos);
                    }
                }
                done++;
            }
            return done;
        };
        try {
            if (pool == null) {
                return worker.call();
            }
            List<Future<Long>> fs = new ArrayList<>(depth);
            for (int t = 0; t < depth; t++) {
                fs.add(pool.submit(worker));
            }
            long total = 0;
            for (Future<Long> f : fs) {
                total += f.get();
            }
            return total;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
        try {
            fc.close();
        } catch (IOException e) {
            // closing a read/write channel of a temporary file
        }
    }
}
