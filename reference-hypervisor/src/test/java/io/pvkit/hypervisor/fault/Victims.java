package io.pvkit.hypervisor.fault;

import io.pvkit.abi.blkif.BlkifOp;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.platform.ShutdownReason;
import io.pvkit.abi.platform.StartInfoLayout;
import io.pvkit.abi.spi.GuestEntryPoint;
import io.pvkit.abi.spi.VcpuStart;
import io.pvkit.abi.xenstore.XsdSockmsgType;
import io.pvkit.hypervisor.MiniGuest;
import io.pvkit.hypervisor.dom0.xenstore.WireClient;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The well-behaved guests that run beside a hostile one. Each boots, sets its devices up, fills its unused
 * frames with a pattern (so that a change by anyone is seen), says {@link Workload#ready}, waits for
 * {@link Workload#go}, runs its workload until {@link Workload#stop} (and at least a minimum), verifying
 * every result, and shuts down. Progress counters are readable at any time (the storm test's rates).
 */
final class Victims {
    private Victims() {
    }

    /** What a victim guest shares with the test. */
    abstract static class Workload implements GuestEntryPoint {
        final CountDownLatch ready = new CountDownLatch(1);
        final CountDownLatch go = new CountDownLatch(1);
        volatile boolean stop;
        /** A pause after each round (0: as fast as it can): beside a fuzzer, a realistic load, not a saturating one. */
        volatile long pauseNanos;
        final AtomicLong progress = new AtomicLong();
        final long minimum;
        final long seed;
        /** Frames its workload writes (hashing skips them; the special pages are skipped anyway). */
        long[] workFrames = new long[0];

        Workload(long seed, long minimum) {
            this.seed = seed;
            this.minimum = minimum;
        }

        /** Fills frames {@code [from, nrPages)} with a pattern only this guest knows. */
        static void pattern(GuestMemory mem, long from, long nrPages, long seed) {
            SplittableRandom r = new SplittableRandom(seed);
            for (long gpa = GuestMemory.gpaOf(from); gpa < GuestMemory.gpaOf(nrPages); gpa += 8) {
                mem.setLong(gpa, r.nextLong());
            }
        }

        final void gate() {
            ready.countDown();
            try {
                go.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted before the run", e);
            }
        }

        final void pause() {
            long p = pauseNanos;
            if (p > 0) {
                LockSupport.parkNanos(p);
            }
        }

        final boolean more() {
            return !stop || progress.get() < minimum;
        }
    }

    /**
     * Echo pings through domain 0, xenstore writes and read-backs in its own {@code data/} directory, and a
     * console line every 32 rounds. {@link #progress} counts echo round trips.
     */
    static final class EchoXenstore extends Workload {
        static final int KEYS = 16;
        final AtomicLong xenstoreOps = new AtomicLong();
        final String[] lastValue = new String[KEYS];
        volatile int domid;

        EchoXenstore(long seed, long minimum) {
            super(seed, minimum);
            workFrames = new long[] {0};
        }

        @Override
        public void enter(VcpuStart start) {
            MiniGuest g = MiniGuest.boot(start);
            GuestMemory mem = g.memory;
            domid = start.self().domid();
            long si = start.startInfoGpa();
            long storeGpa = GuestMemory.gpaOf(mem.getLong(si + StartInfoLayout.STORE_MFN_OFFSET));
            int storePort = mem.getInt(si + StartInfoLayout.STORE_EVTCHN_OFFSET);
            g.demux.register(storePort, p -> { });
            g.demux.unmask(storePort);
            WireClient.Ring xs = new WireClient.Ring(GuestMemory.wrap(mem.segment().asSlice(storeGpa, GuestMemory.PAGE_SIZE)),
                    () -> {
                        g.hc.send(storePort);
                        LockSupport.parkNanos(20_000);
                    });
            pattern(mem, 1, g.nrPages, seed);
            gate();
            long round = 0;
            while (more()) {
                g.ping();
                progress.incrementAndGet();
                if (round % 4 == 0) {
                    int k = (int) (round / 4 % KEYS);
                    String v = "v" + seed + "-" + round;
                    xs.ok(XsdSockmsgType.WRITE, 0, "data/k" + k + "\0" + v);
                    WireClient.Frame f = xs.call(XsdSockmsgType.READ, 0, "data/k" + k + "\0");
                    if (f.isError() || !f.text().equals(v)) {
                        throw new IllegalStateException("xenstore read-back of data/k" + k + ": " + f.text());
                    }
                    lastValue[k] = v;
                    xenstoreOps.addAndGet(2);
                }
                if (round % 32 == 0) {
                    g.println("echo round " + round);
                }
                round++;
                pause();
            }
            g.println("echo done " + round);
            g.shutdown(ShutdownReason.POWEROFF);
        }
    }

    /**
     * Block I/O on its disk: batches of 4 one-page writes of fresh data followed by 4 reads of the same
     * blocks, every byte compared. {@link #progress} counts block requests answered OKAY.
     */
    static final class BlockWriter extends Workload {
        static final long RING = 1;
        static final long DATA = 2;
        static final int BATCH = 4;
        final int blocks;
        final byte[][] expected;
        volatile int domid;

        BlockWriter(long seed, long minimum, int blocks) {
            super(seed, minimum);
            this.blocks = blocks;
            this.expected = new byte[blocks][];
            workFrames = new long[] {0, RING, DATA, DATA + 1, DATA + 2, DATA + 3, DATA + 4, DATA + 5, DATA + 6, DATA + 7};
        }

        @Override
        public void enter(VcpuStart start) {
            MiniGuest g = MiniGuest.boot(start);
            GuestMemory mem = g.memory;
            domid = start.self().domid();
            BlkFront blk = new BlkFront(mem, g.hc, start.startInfoGpa(), BlkFront.XVDA);
            blk.connect(RING);
            int[] refs = new int[2 * BATCH];
            for (int i = 0; i < refs.length; i++) {
                refs[i] = blk.grant(DATA + i);
            }
            pattern(mem, DATA + 2 * BATCH, g.nrPages, seed);
            gate();
            SplittableRandom r = new SplittableRandom(seed ^ 0xB10C);
            long round = 0;
            byte[] page = new byte[GuestMemory.PAGE_SIZE];
            long[] ids = new long[BATCH];
            while (more()) {
                MemorySegment[] writes = new MemorySegment[BATCH];
                int[] block = new int[BATCH];
                for (int i = 0; i < BATCH; i++) {
                    block[i] = (int) ((round * BATCH + i) % blocks);
                    r.nextBytes(page);
                    mem.write(GuestMemory.gpaOf(DATA + i), page, 0, page.length);
                    expected[block[i]] = page.clone();
                    writes[i] = BlkFront.request(BlkifOp.WRITE, block[i] * 8L, refs[i]);
                }
                checkOk(blk.submit(writes, ids), "write");
                progress.addAndGet(BATCH);
                MemorySegment[] reads = new MemorySegment[BATCH];
                for (int i = 0; i < BATCH; i++) {
                    mem.write(GuestMemory.gpaOf(DATA + BATCH + i), new byte[page.length], 0, page.length);
                    reads[i] = BlkFront.request(BlkifOp.READ, block[i] * 8L, refs[BATCH + i]);
                }
                checkOk(blk.submit(reads, ids), "read");
                for (int i = 0; i < BATCH; i++) {
                    mem.read(GuestMemory.gpaOf(DATA + BATCH + i), page, 0, page.length);
                    if (!Arrays.equals(page, expected[block[i]])) {
                        throw new IllegalStateException("block " + block[i] + " read back different in round " + round);
                    }
                }
                progress.addAndGet(BATCH);
                round++;
                pause();
            }
            g.println("block done " + round);
            g.shutdown(ShutdownReason.POWEROFF);
        }

        private static void checkOk(short[] status, String what) {
            for (short s : status) {
                if (s != 0) {
                    throw new IllegalStateException(what + " answered " + s);
                }
            }
        }
    }
}
