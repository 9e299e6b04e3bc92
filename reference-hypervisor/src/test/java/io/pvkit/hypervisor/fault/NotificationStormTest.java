package io.pvkit.hypervisor.fault;

import io.pvkit.abi.blkif.BlkifOp;
import io.pvkit.abi.blkif.BlkifResponseLayout;
import io.pvkit.abi.platform.ShutdownReason;
import io.pvkit.abi.spi.VcpuStart;
import io.pvkit.hypervisor.MiniGuest;
import io.pvkit.rings.FrontRing;
import io.pvkit.rings.SharedFrontRing;
import io.pvkit.hypervisor.Domain;
import io.pvkit.hypervisor.Hypervisor;
import io.pvkit.hypervisor.HypervisorConfig;
import io.pvkit.hypervisor.ResourceCounts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * An event-channel storm ({@link StormGuests.EventStorm}) and a ring-notification storm
 * ({@link StormGuests.RingStorm}) run at once beside a guest doing echo round trips (and xenstore writes)
 * and a guest doing verified block I/O. Each victim's rate is measured for {@value #WINDOW_SECONDS} s
 * without the storms and {@value #WINDOW_SECONDS} s with them; with them it must stay above a floor
 * ({@value #MIN_ECHO_PER_SECOND} echo round trips/s, {@value #MIN_BLOCK_PER_SECOND} block requests/s: generous
 * for 2 cores shared with other builds; the measured figures are printed). The test is bounded (about 20 s).
 *
 * <p>A second test is about blkback's fairness: one guest kicks its blkif port in a loop with an empty ring
 * ({@link BlockFlood}) beside a guest doing verified block I/O; the victim must keep at least
 * {@value #MIN_BLOCK_SHARE} of the rate it has while the storm pauses, and domain 0's CPU time per victim request
 * may grow at most {@value #MAX_DOM0_COST_GROWTH}x, measured in alternating windows of the same run.
 */
class NotificationStormTest {
    static final int WINDOW_SECONDS = 4;
    static final double MIN_ECHO_PER_SECOND = 100;
    static final double MIN_BLOCK_PER_SECOND = 100;
    /** The storms must really storm: notifications per second of each storm guest, at least. */
    static final double MIN_STORM_PER_SECOND = 5_000;

    /**
     * The share of its undisturbed rate a block guest keeps while another guest storms its blkif port, at least: a
     * liveness floor. Measured on 2 cores at load average 17 to 33 (other builds): before late EOI and the shared
     * workers 0.10, 0.17 and 0.26; after 0.21, 0.38, 0.49 and 0.94. The victim's vCPU shares the cores with the storm's
     * spinning vCPU, which no backend can prevent, so at that load this ratio does not separate the two.
     */
    static final double MIN_BLOCK_SHARE = 0.15;
    /**
     * Domain 0's CPU time (its vCPU and blkback's workers) per request of the victim may grow at most this much in
     * the storm: the fairness check. Measured at load 27 to 33: before 2.5x and 2.8x (every empty kick reached
     * domain 0's vCPU and woke a worker that then polled its window); after 1.0x and 0.8x (the port stays masked after empty
     * kicks: the storm costs only its own vCPU).
     */
    static final double MAX_DOM0_COST_GROWTH = 1.6;
    /** Alternations of an undisturbed and a flooded window in the fairness test. */
    static final int ROUNDS = 3;
    static final long ROUND_MILLIS = 1500;

    private Hypervisor hv;

    @TempDir
    Path dir;

    @AfterEach
    void close() {
        if (hv != null) {
            hv.close();
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldKeepOtherGuestsProgressingDuringEventAndRingStorms() throws Exception {
        hv = Hypervisor.start(new HypervisorConfig(null, line -> { }));
        ResourceCounts before = hv.counts();
        Victims.EchoXenstore echo = new Victims.EchoXenstore(11, 0);
        Victims.BlockWriter block = new Victims.BlockWriter(12, 0, 64);
        StormGuests.EventStorm events = new StormGuests.EventStorm(13);
        StormGuests.RingStorm rings = new StormGuests.RingStorm(14);
        Domain echoDom = FaultRig.guest(hv, "echo", 64, echo, null);
        Domain blockDom = FaultRig.guest(hv, "block", 64, block, FaultRig.disk(dir, "block", 1));
        Domain eventDom = FaultRig.guest(hv, "event-storm", 16, events, FaultRig.disk(dir, "event-storm", 1));
        Domain ringDom = FaultRig.guest(hv, "ring-storm", 16, rings, FaultRig.disk(dir, "ring-storm", 1));
        List<Victims.Workload> all = List.of(echo, block, events, rings);
        List<Domain> doms = List.of(echoDom, blockDom, eventDom, ringDom);
        for (int i = 0; i < all.size(); i++) {
            FaultRig.await(all.get(i).ready, doms.get(i).name() + " ready", doms.get(i));
        }
        echo.go.countDown();
        block.go.countDown();
        Thread.sleep(1000); // warm-up
        double[] quiet = rates(echo, block, null, null);
        events.go.countDown();
        rings.go.countDown();
        Thread.sleep(500);
        double[] storm = rates(echo, block, events, rings);
        for (Victims.Workload w : all) {
            w.stop = true;
        }
        for (Domain d : doms) {
            assertTrue(d.awaitShutdown(Duration.ofSeconds(30)), d.name() + " did not finish: " + d.info());
        }
        System.out.printf("[storm] without storms: %.0f echo round trips/s, %.0f block requests/s; during both storms"
                + " (%.0f event sends/s, %.0f ring kicks/s): %.0f echo round trips/s, %.0f block requests/s;"
                + " floors %.0f and %.0f%n", quiet[0], quiet[1], storm[2], storm[3], storm[0], storm[1],
                MIN_ECHO_PER_SECOND, MIN_BLOCK_PER_SECOND);
        for (Domain d : doms) {
            assertNull(d.info().crash(), d.name());
            assertEquals(ShutdownReason.POWEROFF, d.info().shutdownReason(), d.name());
        }
        assertTrue(storm[2] >= MIN_STORM_PER_SECOND, "the event storm stormed: " + storm[2]);
        assertTrue(storm[3] >= MIN_STORM_PER_SECOND, "the ring storm stormed: " + storm[3]);
        assertTrue(storm[0] >= MIN_ECHO_PER_SECOND, "echo round trips/s during the storms: " + storm[0]);
        assertTrue(storm[1] >= MIN_BLOCK_PER_SECOND, "block requests/s during the storms: " + storm[1]);
        for (Domain d : doms) {
            hv.destroyDomain(d.domid());
        }
        assertEquals(before, hv.counts());
    }

    /**
     * Fairness of domain 0's block backend: a guest that kicks its blkif port as fast as its vCPU can, with an
     * empty ring, costs domain 0 (its vCPU and blkback's workers) next to nothing, so domain 0's CPU time per
     * request of a well-behaved block guest beside it grows at most {@value #MAX_DOM0_COST_GROWTH}x, and that guest
     * keeps at least {@value #MIN_BLOCK_SHARE} of the rate it has while the storm pauses. The undisturbed and the flooded rates
     * are measured in {@value #ROUNDS} alternations of {@value #ROUND_MILLIS} ms windows, so that a change in the
     * machine's load (other builds) hits both.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldKeepABlockGuestsShareWhileAnotherGuestFloodsItsQueue() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "needs Linux's per-thread CPU accounting");
        hv = Hypervisor.start(new HypervisorConfig(null, line -> { }));
        ResourceCounts before = hv.counts();
        Victims.BlockWriter block = new Victims.BlockWriter(21, 0, 64);
        BlockFlood flood = new BlockFlood(22, false);
        Domain blockDom = FaultRig.guest(hv, "block", 64, block, FaultRig.disk(dir, "block", 1));
        Domain floodDom = FaultRig.guest(hv, "flood", 64, flood, FaultRig.disk(dir, "flood", 1));
        FaultRig.await(block.ready, "block ready", blockDom);
        FaultRig.await(flood.ready, "flood ready", floodDom);
        flood.paused = true;
        flood.go.countDown();
        block.go.countDown();
        Thread.sleep(1000); // warm-up
        double quietSeconds = 0;
        double floodSeconds = 0;
        long quietDone = 0;
        long floodDone = 0;
        long floodRequests = 0;
        long quietCpu = 0;
        long floodCpu = 0;
        for (int r = 0; r < ROUNDS; r++) {
            flood.paused = true;
            Thread.sleep(100); // the flood's queue drains
            long b0 = block.progress.get();
            long c0 = dom0Cpu();
            long t0 = System.nanoTime();
            Thread.sleep(ROUND_MILLIS);
            quietCpu += dom0Cpu() - c0;
            quietDone += block.progress.get() - b0;
            quietSeconds += (System.nanoTime() - t0) / 1e9;
            flood.paused = false;
            Thread.sleep(100); // the flood fills its ring
            b0 = block.progress.get();
            long f0 = flood.progress.get();
            c0 = dom0Cpu();
            t0 = System.nanoTime();
            Thread.sleep(ROUND_MILLIS);
            floodCpu += dom0Cpu() - c0;
            floodDone += block.progress.get() - b0;
            floodRequests += flood.progress.get() - f0;
            floodSeconds += (System.nanoTime() - t0) / 1e9;
        }
        block.stop = true;
        flood.stop = true;
        flood.paused = false;
        for (Domain d : List.of(blockDom, floodDom)) {
            assertTrue(d.awaitShutdown(Duration.ofSeconds(30)), d.name() + " did not finish: " + d.info());
            assertNull(d.info().crash(), d.name());
            assertEquals(ShutdownReason.POWEROFF, d.info().shutdownReason(), d.name());
        }
        double quiet = quietDone / quietSeconds;
        double flooded = floodDone / floodSeconds;
        double share = flooded / quiet;
        // what the storm costs domain 0 (its vCPU and blkback's workers), per request of the victim: a CPU-time
        // measure, so that a loaded machine slows both windows alike
        double quietCost = quietCpu / 1e3 / Math.max(1, quietDone);
        double floodCost = floodCpu / 1e3 / Math.max(1, floodDone);
        System.out.printf("[fairness] block guest alone: %.0f requests/s; beside a storm of %.0f %s/s: %.0f"
                + " requests/s (share %.2f, floor %.2f); domain 0 CPU per victim request %.1f us alone, %.1f us in"
                + " the storm (%.1fx, at most %.1fx)%n", quiet, floodRequests / floodSeconds,
                flood.fill ? "reads" : "empty kicks", flooded, share, MIN_BLOCK_SHARE, quietCost, floodCost,
                floodCost / quietCost, MAX_DOM0_COST_GROWTH);
        assertTrue(floodRequests / floodSeconds >= MIN_STORM_PER_SECOND, "the storm stormed: " + floodRequests);
        assertTrue(share >= MIN_BLOCK_SHARE, "the block guest kept " + share + " of its undisturbed rate ("
                + flooded + " of " + quiet + " requests/s)");
        assertTrue(floodCost <= quietCost * MAX_DOM0_COST_GROWTH, "domain 0 CPU per victim request grew from "
                + quietCost + " to " + floodCost + " us in the storm");
        for (Domain d : List.of(blockDom, floodDom)) {
            hv.destroyDomain(d.domid());
        }
        assertEquals(before, hv.counts());
    }

    /**
     * A guest that floods its one blkif queue: between {@code go} and {@code stop} (except while {@link #paused})
     * it kicks blkback in a loop as fast as its vCPU can, whether the ring needs it or not; with {@link #fill} it
     * also keeps the ring full of valid one-page reads ({@link #progress} counts the reads answered OKAY),
     * without, the ring stays empty ({@link #progress} counts the kicks).
     */
    static final class BlockFlood extends Victims.Workload {
        static final long RING = 1;
        static final long DATA = 2;
        static final int PAGES = 8;
        /** Whether the ring is kept full of valid reads (else: every kick finds it empty). */
        final boolean fill;
        volatile boolean paused;

        BlockFlood(long seed, boolean fill) {
            super(seed, 0);
            this.fill = fill;
        }

        @Override
        public void enter(VcpuStart start) {
            MiniGuest g = MiniGuest.boot(start);
            BlkFront blk = new BlkFront(g.memory, g.hc, start.startInfoGpa(), BlkFront.XVDA);
            blk.connect(RING);
            MemorySegment[] reads = new MemorySegment[PAGES];
            for (int i = 0; i < PAGES; i++) {
                reads[i] = BlkFront.request(BlkifOp.READ, i * 8L, blk.grant(DATA + i));
            }
            FrontRing.ResponseHandler count = (id, rsp) -> {
                if (rsp.get(ValueLayout.JAVA_SHORT, BlkifResponseLayout.STATUS_OFFSET) == BlkifResponseLayout.RSP_OKAY) {
                    progress.incrementAndGet();
                }
            };
            gate();
            int next = 0;
            int inFlight = 0;
            while (!stop) {
                if (paused) {
                    inFlight -= blk.ring.pollResponses(count, Integer.MAX_VALUE);
                    LockSupport.parkNanos(1_000_000);
                    continue;
                }
                while (fill && blk.ring.putRequest(reads[next]) != SharedFrontRing.RING_FULL) {
                    next = (next + 1) % PAGES;
                    inFlight++;
                }
                blk.ring.pushRequests();
                g.hc.send(blk.port); // every look, needed or not
                if (!fill) {
                    progress.incrementAndGet();
                }
                inFlight -= blk.ring.pollResponses(count, Integer.MAX_VALUE);
            }
            long until = System.nanoTime() + 10_000_000_000L;
            while (inFlight > 0 && System.nanoTime() - until < 0) { // leave nothing in flight behind
                inFlight -= blk.ring.pollResponses(count, Integer.MAX_VALUE);
                LockSupport.parkNanos(100_000);
            }
            g.shutdown(ShutdownReason.POWEROFF);
        }
    }

    /**
     * CPU time (ns, 10 ms resolution) of domain 0's threads so far: its vCPU ({@code d0v*}) and blkback's workers,
     * from the OS's per-thread accounting ({@code /proc/self/task/<tid>/stat}; the module reads no JMX).
     */
    private static long dom0Cpu() throws IOException {
        long ticks = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path t : tasks) {
                try {
                    String comm = Files.readString(t.resolve("comm")).trim();
                    if (!comm.startsWith("d0v") && !comm.startsWith("blkback-")) {
                        continue;
                    }
                    String stat = Files.readString(t.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
                } catch (IOException e) {
                    // the thread ended meanwhile
                }
            }
        }
        return ticks * 10_000_000L;
    }

    /** Progress per second of each workload over one window (null: not measured). */
    private static double[] rates(Victims.Workload... w) throws InterruptedException {
        long[] start = new long[w.length];
        for (int i = 0; i < w.length; i++) {
            start[i] = w[i] == null ? 0 : w[i].progress.get();
        }
        long t0 = System.nanoTime();
        Thread.sleep(WINDOW_SECONDS * 1000L);
        double seconds = (System.nanoTime() - t0) / 1e9;
        double[] r = new double[w.length];
        for (int i = 0; i < w.length; i++) {
            r[i] = w[i] == null ? 0 : (w[i].progress.get() - start[i]) / seconds;
        }
        return r;
    }
}
