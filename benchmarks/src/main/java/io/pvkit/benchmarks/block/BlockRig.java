package io.pvkit.benchmarks.block;

import io.pvkit.guest.GuestOptions;
import io.pvkit.guest.ReferenceGuest;
import io.pvkit.guest.block.BlockFrontendOptions;
import io.pvkit.hypervisor.DiskConfig;
import io.pvkit.hypervisor.Domain;
import io.pvkit.hypervisor.DomainConfig;
import io.pvkit.hypervisor.Hypervisor;
import io.pvkit.hypervisor.HypervisorConfig;
import io.pvkit.hypervisor.MemoryBacking;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * An in-process reference hypervisor with {@code n} reference guests, each with one disk served by domain 0's
 * blkback from an image file, and each running a {@link BenchGuest} through its blkfront. The images are filled
 * and read once at start, so the page cache is warm.
 */
final class BlockRig implements AutoCloseable {
    /** System property blkback reads when a queue connects: its poll window in microseconds (0 = none). */
    static final String POLL_PROPERTY = "pvkit.blkback.pollWindowMicros";
    private static final long GUEST_FRAMES = 4096;

    private final Path dir;
    private final Hypervisor hv;
    private final List<BenchGuest> guests = new ArrayList<>();
    private final List<Domain> domains = new ArrayList<>();
    final Path image;

    private BlockRig(Path dir, Hypervisor hv, Path image) {
        this.dir = dir;
        this.hv = hv;
        this.image = image;
    }

    /**
     * Starts a hypervisor and its guests.
     *
     * @param guests how many guests
     * @param imageBytes the size of the (shared, for reads) image
     * @param shareImage whether every guest gets the one image read-only (else each its own writable copy)
     * @param options each frontend's options
     * @param pollMicros blkback's poll window for these guests' queues, or -1 for blkback's default
     */
    static BlockRig start(int guests, long imageBytes, boolean shareImage, BlockFrontendOptions options, long pollMicros) {
        try {
            Path dir = Files.createTempDirectory("pvkit-block-bench");
            Hypervisor hv = Hypervisor.start(new HypervisorConfig(null, s -> { }));
            BlockRig rig = new BlockRig(dir, hv, warmImage(dir.resolve("disk.img"), imageBytes));
            try {
                for (int i = 0; i < guests; i++) {
                    rig.addGuest(shareImage ? rig.image : warmImage(dir.resolve("disk" + i + ".img"), imageBytes),
                            shareImage, options, pollMicros);
                }
                return rig;
            } catch (RuntimeException e) {
                rig.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Adds a guest (with its own poll-window setting) and waits for its device to connect. */
    BenchGuest addGuest(Path img, boolean readOnly, BlockFrontendOptions options, long pollMicros) {
        String old = System.getProperty(POLL_PROPERTY);
        if (pollMicros >= 0) {
            System.setProperty(POLL_PROPERTY, Long.toString(pollMicros));
        }
        try {
            BenchGuest g = new BenchGuest(options);
            ReferenceGuest entry = ReferenceGuest.entryPoint(GuestOptions.builder().workload(g).build());
            Domain d = hv.createDomain(new DomainConfig("bench" + guests.size(), GUEST_FRAMES, 1, false, entry,
                    "pvkit.blk=off", new MemoryBacking.Arena()).withDisks(List.of(new DiskConfig(img, readOnly))));
            domains.add(d);
            guests.add(g);
            g.ready().get(60, TimeUnit.SECONDS);
            return g;
        } catch (Exception e) {
            throw new IllegalStateException("benchmark guest did not connect: " + e, e);
        } finally {
            if (old == null) {
                System.clearProperty(POLL_PROPERTY);
            } else {
                System.setProperty(POLL_PROPERTY, old);
            }
        }
    }

    List<BenchGuest> guests() {
        return guests;
    }

    /** Runs one job on every guest at once (each its own copy, offset so they touch different blocks). */
    long runAll(boolean write, int blockSize, boolean sequential, long countPerGuest, long untilNanos, int queueDepth) {
        List<BlockJob> jobs = new ArrayList<>();
        for (int i = 0; i < guests.size(); i++) {
            BlockJob j = new BlockJob(write, blockSize, sequential, countPerGuest, untilNanos, queueDepth, i * 1_000_003L);
            jobs.add(j);
            guests.get(i).post(j);
        }
        long total = 0;
        for (BlockJob j : jobs) {
            total += j.await();
        }
        return total;
    }

    /** Writes the image (non-zero data, so reads move real bytes) and reads it once: the page cache is warm. */
    static Path warmImage(Path p, long bytes) throws IOException {
        try (FileChannel fc = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocateDirect(1 << 20);
            for (int i = 0; i < b.capacity(); i++) {
                b.put(i, (byte) (i * 31 + 7));
            }
            for (long at = 0; at < bytes; at += b.capacity()) {
                b.clear().limit((int) Math.min(b.capacity(), bytes - at));
                while (b.hasRemaining()) {
                    fc.write(b, at + b.position());
                }
            }
            for (long at = 0; at < bytes; at += b.capacity()) {
                b.clear();
                fc.read(b, at);
            }
        }
        return p;
    }

    @Override
    public void close() {
        for (BenchGuest g : guests) {
            g.stop();
        }
        try {
            for (Domain d : domains) {
                d.awaitShutdown(Duration.ofSeconds(20));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        hv.close();
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: a temporary directory
        }
    }
}
