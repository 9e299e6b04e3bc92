package io.pvkit.cli.system;

import static io.pvkit.cli.system.SystemAssertions.assertCountsReturnTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pvkit.abi.platform.ShutdownReason;
import io.pvkit.guest.ConsoleVerbosity;
import io.pvkit.guest.GuestOptions;
import io.pvkit.guest.ReferenceGuest;
import io.pvkit.hypervisor.DiskConfig;
import io.pvkit.hypervisor.Domain;
import io.pvkit.hypervisor.DomainConfig;
import io.pvkit.hypervisor.Hypervisor;
import io.pvkit.hypervisor.HypervisorConfig;
import io.pvkit.hypervisor.MemoryBacking;
import io.pvkit.hypervisor.ResourceCounts;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Soak under load (issue 13): 8 guests, each with its own disk served by domain 0's blkback, each keeping 32
 * requests in flight over 4 blkif queues (a random mix of 1..4-block writes, verifying reads and flushes) for
 * {@code -Dpvkit.soak.seconds} (default 10) from the moment every guest is busy. Every request is answered exactly once (answers counted per request
 * number; a duplicate or unknown response would also fail the frontend's device), no request fails, every byte
 * read is verified against what that guest last wrote, each guest reads its whole disk back at the end, and the
 * image files are re-read directly and must equal each guest's model. The hypervisor's heap after a full GC and
 * its live thread count are measured once every guest is busy and again at the end of the run, and bounded.
 */
class SoakTest {
    private static final int GUESTS = 8;
    private static final long DISK = 2L << 20;
    private static final int SECONDS = Integer.getInteger("pvkit.soak.seconds", 10);
    /** Heap growth allowed between the two measurements (after full GCs). */
    private static final long HEAP_SLACK = 24L << 20;

    @TempDir
    Path dir;

    @Test   // no @Timeout: the run length is a property; every wait below is bounded
    void eightGuestsWithBusyQueuesForABoundedTime() throws Exception {
        assertTrue(SECONDS >= 1 && SECONDS <= 24 * 3600, "pvkit.soak.seconds: " + SECONDS);
        List<String> console = new CopyOnWriteArrayList<>();
        var threads = ManagementFactory.getThreadMXBean();
        try (Hypervisor hv = Hypervisor.start(new HypervisorConfig(null, console::add))) {
            ResourceCounts before = hv.counts();
            int threadsBefore = threads.getThreadCount();
            java.util.Set<Thread> threadSetBefore = Thread.getAllStackTraces().keySet();
            // the guests run until this deadline, set once every one of them is busy (boot takes a while under load)
            AtomicLong deadline = new AtomicLong(System.nanoTime() + Duration.ofHours(1).toNanos());
            List<SoakWorkload> loads = new ArrayList<>();
            List<Domain> domains = new ArrayList<>();
            List<Path> images = new ArrayList<>();
            for (int i = 0; i < GUESTS; i++) {
                Path image = dir.resolve("soak" + i + ".img");
                SectorStamp.initialise(image, DISK);
                images.add(image);
                SoakWorkload w = new SoakWorkload(deadline, 4, 32, 1000 + i);
                loads.add(w);
                domains.add(hv.createDomain(new DomainConfig("soak" + i, 1024, 1, false, ReferenceGuest.entryPoint(
                        GuestOptions.builder().workload(w).verbosity(ConsoleVerbosity.QUIET).build()), "pvkit.blk=off",
                        new MemoryBacking.Arena()).withDisks(List.of(DiskConfig.writable(image)))));
            }
            // "start": every guest has its queues connected and busy
            long busyBy = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (loads.stream().anyMatch(w -> w.answered.get() < 100) && System.nanoTime() - busyBy < 0) {
                Thread.sleep(20);
            }
            assertTrue(loads.stream().allMatch(w -> w.answered.get() >= 100), "every guest got going: " + console);
            Sample start = Sample.take();
            long busySince = System.nanoTime();
            deadline.set(busySince + Duration.ofSeconds(SECONDS).toNanos());
            long[] answeredAtStart = loads.stream().mapToLong(w -> w.answered.get()).toArray();
            // "end": just before the deadline, while every guest is still busy
            long endAt = deadline.get() - Duration.ofMillis(Math.min(1000, SECONDS * 100L)).toNanos();
            while (System.nanoTime() - endAt < 0) {
                Thread.sleep(Math.max(1, Math.min(200, (endAt - System.nanoTime()) / 1_000_000)));
            }
            Sample end = Sample.take();
            for (int i = 0; i < GUESTS; i++) {
                assertTrue(loads.get(i).answered.get() > answeredAtStart[i], "soak" + i + " was still busy at the end");
            }
            for (Domain d : domains) {
                assertTrue(d.awaitShutdown(Duration.ofSeconds(90)), d.info() + " " + console);
                assertEquals(ShutdownReason.POWEROFF, d.info().shutdownReason(), () -> d.info() + " " + console);
            }
            long requests = 0;
            long verified = 0;
            long flushes = 0;
            for (int i = 0; i < GUESTS; i++) {
                SoakWorkload w = loads.get(i);
                String name = "soak" + i;
                assertEquals(4, w.features().queues(), name + ": 4 queues negotiated");
                assertEquals(w.issued.get(), w.answered.get(), name + ": every request answered");
                assertEquals(0, w.duplicates.get(), name + ": answered twice");
                assertEquals(0, w.errors.get(), name + ": failed requests");
                assertEquals(0, w.mismatches.get(), () -> name + ": " + w.firstMismatch());
                long[] model = w.model();
                assertNotNull(model, name + " finished its run");
                long[] sectors = SectorStamp.readImage(images.get(i));
                long[] want = new long[sectors.length];
                for (int s = 0; s < want.length; s++) {
                    want[s] = model[s / (StampWorkload.BLOCK / SectorStamp.SECTOR)];
                }
                assertArrayEquals(want, sectors, name + ": the image file re-read directly");
                requests += w.issued.get();
                verified += w.blocksVerified.get();
                flushes += w.flushes.get();
            }
            for (Domain d : domains) {
                hv.destroyDomain(d.domid());
            }
            assertCountsReturnTo(before, hv, "resource counts after the soak");
            int threadsAfter = threads.getThreadCount();
            System.out.printf("[soak] %d guests x 4 queues x qd 32 for %d s: %d requests, all answered once, 0 errors,"
                            + " %d flushes, %d blocks (%d MiB) verified by reads + %d MiB of image files re-read;"
                            + " heap after GC %d -> %d MiB (bound +%d MiB), live threads %d -> %d (%d before the guests,"
                            + " %d after destroy), %d requests/s%n",
                    GUESTS, SECONDS, requests, flushes, verified, verified * StampWorkload.BLOCK >> 20,
                    GUESTS * DISK >> 20, start.heap >> 20, end.heap >> 20, HEAP_SLACK >> 20, start.threads, end.threads,
                    threadsBefore, threadsAfter, requests / SECONDS);
            assertTrue(start.threads >= GUESTS + 1, "every guest's vCPU and blkback's shared workers ran at the start: "
                    + start.threads);
            assertTrue(end.heap <= start.heap + HEAP_SLACK, "heap grew from " + start.heap + " to " + end.heap);
            assertTrue(end.threads <= start.threads + 2, "threads grew from " + start.threads + " to " + end.threads);
            List<String> added = Thread.getAllStackTraces().keySet().stream().filter(t -> !threadSetBefore.contains(t))
                    .map(Thread::getName).sorted().toList();
            System.out.println("[soak] threads started during the soak and still alive after destroy: " + added
                    + " (the JDK's lazily started pools are allowed: ForkJoinPool workers, pollers)");
            List<String> leaked = added.stream().filter(n -> !n.startsWith("ForkJoinPool") && !n.endsWith("Poller")
                    && !n.startsWith("Common-Cleaner")).toList();
            assertEquals(List.of(), leaked, "threads left after destroying every guest");
        }
    }

    /** Heap after GC and live threads at one moment. */
    private record Sample(long heap, int threads) {
        static Sample take() {
            var memory = ManagementFactory.getMemoryMXBean();
            System.gc();
            System.gc();
            return new Sample(memory.getHeapMemoryUsage().getUsed(), ManagementFactory.getThreadMXBean().getThreadCount());
        }
    }
}
