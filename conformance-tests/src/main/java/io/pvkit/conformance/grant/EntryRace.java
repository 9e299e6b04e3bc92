package io.pvkit.conformance.grant;

import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.grant.GntCopy;
import io.pvkit.abi.grant.GnttabCopyLayout;
import io.pvkit.abi.grant.GnttabSwapGrantRefLayout;
import io.pvkit.abi.grant.GnttabUnmapGrantRefLayout;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.grant.GrantStatus;
import io.pvkit.abi.grant.GrantTableOp;
import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.conformance.hostile.HostileMemory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GNT-44: grant operations of two vCPUs on one entry at once. Xen serialises every use of an entry with its active
 * entry's lock ({@code active_entry_acquire} in {@code xen/common/grant_table.c}, held across the pin-count update and
 * the GTF_reading/GTF_writing update in {@code map_grant_ref}, {@code unmap_common_complete},
 * {@code acquire_grant_for_copy} and {@code release_grant_for_copy}, and across the pin check and the swap in
 * {@code swap_grant_ref}); an implementation whose pin bookkeeping and flags update are not atomic as a whole loses a
 * busy bit when another vCPU uses the entry in between.
 *
 * <p><b>How the kit puts two operations on one entry at once.</b> Through A's shared-memory view (the kit's {@link
 * HostileMemory}) the kit stops one operation on its own thread right after its n-th access to the entry's flags word
 * (n = 1, 2, ... until an operation makes no n-th access), and runs a second operation, of B's other vCPU (or, for
 * swap_grant_ref, a copy of B while A swaps), on another thread. It requires no interleaving: an implementation that
 * locks the entry blocks the second operation, so the kit waits {@link #OVERLAP_MS} ms ({@link RaceWindow}), lets the
 * first go on, and then joins both with a bound ({@link KitVcpu#DONE}; a second operation still blocked after the first
 * returned is a failure: a lock left held, a deadlock). A copy is also watched at its first access to its other grant
 * side made after it accessed the contested entry (it holds the entry there): the entry must show the copy's busy bits
 * at that instant (GNT-40), whatever the other vCPU has done. The stops only wait (bounded, {@link KitVcpu#HOLD}); nothing
 * calls into the implementation from inside it. What is asserted: each status (okay, or GNTST_eagain for a swap of an
 * entry in use), the busy bits a watched copy saw, and the final state (busy bits matching the live mappings, the
 * granter's revoke failing exactly while one exists, every entry idle and revocable after the kit's last unmap).
 *
 * <p>B here is a domain of its own with two vCPUs ({@code b}); its calls on vCPU {@code v} take their arguments from
 * their own part of its scratch frame. One instance serves one test method.
 */
final class EntryRace {
    private static final int OKAY = GrantStatus.OKAY.code();
    private static final int EAGAIN = GrantStatus.EAGAIN.code();
    private static final int HOST = GrantTableSetupVerification.HOST;
    private static final int RO = GrantTableSetupVerification.RO;
    private static final int READING = GrantFlags.READING;
    private static final int BUSY = GrantFlags.READING | GrantFlags.WRITING;
    /** How long (ms) the kit lets the second operation run while the first is stopped, unless {@link RaceWindow} says. */
    static final long OVERLAP_MS = 100;
    /** The stop positions tried: after the 1st, 2nd, ... access of the stopped operation to the entry's word. */
    private static final int POSITIONS = 4;
    /** How many accesses to a word each hook set watches. */
    private static final int WATCHED = 64;
    private static final int LEN = 64;
    /** The first reference the kit uses; every round takes fresh references. */
    private static final int FIRST_REF = 60;

    private final GrantDomain a;
    private final GrantDomain b;
    /** B's two vCPUs. */
    private final KitVcpu[] vcpus = new KitVcpu[2];
    /** A's vCPU (its swap_grant_ref). */
    private KitVcpu aVcpu;
    private int nextRef = FIRST_REF;
    /** The rounds whose operation stopped, for the final "something stopped" check. */
    private final List<String> stopped = new ArrayList<>();

    /**
     * @param a the granter (its table is seen through the kit's shared-memory view)
     * @param b the grantee, with two vCPUs
     */
    EntryRace(GrantDomain a, GrantDomain b) {
        this.a = a;
        this.b = b;
    }

    // ----------------------------------------------------------------------------------- the rule's check

    /** Every scenario, each stop position, each direction; then at least one operation stopped. */
    void twoVcpusOnOneEntryKeepItsBusyBits() {
        try (KitVcpu b0 = new KitVcpu("B's vCPU 0"); KitVcpu b1 = new KitVcpu("B's vCPU 1"); KitVcpu a0 = new KitVcpu("A's vCPU 0")) {
            vcpus[0] = b0;
            vcpus[1] = b1;
            aVcpu = a0;
            allRounds();
        }
    }

    private void allRounds() {
        for (boolean writable : new boolean[] {false, true}) {
            positions(n -> unmapWhileTheOtherVcpuMaps(writable, n));
            positions(n -> mapWhileTheOtherVcpuUnmaps(writable, n));
        }
        for (boolean xIsSource : new boolean[] {true, false}) {
            positions(n -> copyWhileTheOtherVcpuMapsAndUnmaps(xIsSource, n));
            positions(n -> mapWhileTheOtherVcpuCopies(xIsSource, n));
        }
        positions(this::copyIntoAPinnedEntryWhileTheOtherVcpuUnmaps);
        positions(this::writableMapWhileACopyReleases);
        for (boolean contestedLower : new boolean[] {true, false}) {
            positions(n -> swapWhileACopyUsesTheEntry(contestedLower, n));
        }
        assertFalse(stopped.isEmpty(), "no grant operation of the kit's two-vCPU rounds accessed the entry's flags word "
                + "through the shared-memory view (SHARED_MEMORY_VIEW): a map sets GTF_reading there and an unmap "
                + "clears it, so the kit can stop one of them");
    }

    @FunctionalInterface
    private interface Round {
        /** @return whether the round's operation reached its stop at position {@code n} */
        boolean run(int n);
    }

    private void positions(Round round) {
        for (int n = 1; n <= POSITIONS; n++) {
            if (!round.run(n)) {
                return;
            }
        }
    }

    // --------------------------------------------------------------------------------------- the rounds

    /**
     * B's unmap of its last mapping of X (vCPU 0) stopped at its n-th access to X's word, while vCPU 1 maps X: the
     * mapping made must keep X busy.
     */
    private boolean unmapWhileTheOtherVcpuMaps(boolean writable, int n) {
        int x = grantFresh();
        int flags = HOST | (writable ? 0 : RO);
        String kind = writable ? "writable" : "read-only";
        GrantDomain.Mapped m0 = mapOn(0, x, flags, addr(0));
        assertEquals(OKAY, m0.status(), "B's " + kind + " map of A's reference " + x);
        VcpuCall first = new VcpuCall("B's unmap of its last " + kind + " mapping of A's reference " + x + " on vCPU 0",
                vcpus[0], () -> new int[] {unmap(0, m0.handle(), addr(0))});
        Stop stop = new Stop(first, n, entry(x));
        VcpuCall second = new VcpuCall("B's " + kind + " map of A's reference " + x + " on vCPU 1", vcpus[1], () -> {
            GrantDomain.Mapped m = map(1, x, flags, addr(1));
            return new int[] {m.status(), m.handle()};
        });
        String where = where(first, n, second);
        boolean reached = race(first, stop, second, where);
        assertEquals(OKAY, first.status()[0], first.what + where);
        assertEquals(OKAY, second.status()[0], second.what + where);
        assertMappedThenIdle(x, writable ? BUSY : READING, 1, second.status()[1], addr(1), where);
        return reached;
    }

    /**
     * B maps X on vCPU 0 (writable over its read-only mapping: the upgrade; read-only over its writable one) stopped
     * at its n-th access to X's word, while vCPU 1 unmaps that older mapping: the new mapping must keep X busy.
     */
    private boolean mapWhileTheOtherVcpuUnmaps(boolean writable, int n) {
        int x = grantFresh();
        int flags = HOST | (writable ? 0 : RO);
        int oldFlags = HOST | (writable ? RO : 0);
        String kind = writable ? "writable" : "read-only";
        String oldKind = writable ? "read-only" : "writable";
        GrantDomain.Mapped m0 = mapOn(1, x, oldFlags, addr(1));
        assertEquals(OKAY, m0.status(), "B's " + oldKind + " map of A's reference " + x);
        VcpuCall first = new VcpuCall("B's " + kind + " map of A's reference " + x + " on vCPU 0 (B maps it " + oldKind
                + " already)", vcpus[0], () -> {
                    GrantDomain.Mapped m = map(0, x, flags, addr(0));
                    return new int[] {m.status(), m.handle()};
                });
        Stop stop = new Stop(first, n, entry(x));
        VcpuCall second = new VcpuCall("B's unmap of its " + oldKind + " mapping of A's reference " + x + " on vCPU 1",
                vcpus[1], () -> new int[] {unmap(1, m0.handle(), addr(1))});
        String where = where(first, n, second);
        boolean reached = race(first, stop, second, where);
        assertEquals(OKAY, first.status()[0], first.what + where);
        assertEquals(OKAY, second.status()[0], second.what + where);
        assertMappedThenIdle(x, writable ? BUSY : READING, 0, first.status()[1], addr(0), where);
        return reached;
    }

    /**
     * B's copy between X and Y on vCPU 0 stopped at its n-th access to X's word (X idle before), while vCPU 1 maps X
     * read-only and unmaps it: wherever the copy holds X, X shows the copy's busy bits.
     */
    private boolean copyWhileTheOtherVcpuMapsAndUnmaps(boolean xIsSource, int n) {
        int x = grantFresh();
        int y = grantFresh();
        prime(x);
        prime(y);
        VcpuCall first = copyWorker(0, x, y, xIsSource);
        Stop stop = new Stop(first, n, entry(x));
        Watch watch = new Watch(first, x, y, xIsSource ? READING : BUSY, false);
        VcpuCall second = new VcpuCall("B's read-only map and unmap of A's reference " + x + " on vCPU 1", vcpus[1],
                () -> {
            GrantDomain.Mapped m = map(1, x, HOST | RO, addr(1));
            int st = m.status() == OKAY ? unmap(1, m.handle(), addr(1)) : OKAY;
            return new int[] {m.status(), st};
        });
        String where = where(first, n, second);
        boolean reached = race(first, stop, second, where);
        assertEquals(OKAY, first.status()[0], first.what + where);
        assertEquals(OKAY, second.status()[0], "B's read-only map of A's reference " + x + " on vCPU 1" + where);
        assertEquals(OKAY, second.status()[1], "B's unmap of that mapping on vCPU 1" + where);
        watch.assertHeld(where);
        assertIdle(x, where);
        assertIdle(y, where);
        return reached;
    }

    /**
     * B maps X read-only on vCPU 0 (X idle before: its first pin) stopped at its n-th access to X's word, while vCPU 1
     * copies between X and Y: the mapping must keep X busy after the copy.
     */
    private boolean mapWhileTheOtherVcpuCopies(boolean xIsSource, int n) {
        int x = grantFresh();
        int y = grantFresh();
        prime(x);
        prime(y);
        VcpuCall first = new VcpuCall("B's read-only map of A's reference " + x + " on vCPU 0 (its first pin)", vcpus[0],
                () -> {
            GrantDomain.Mapped m = map(0, x, HOST | RO, addr(0));
            return new int[] {m.status(), m.handle()};
        });
        Stop stop = new Stop(first, n, entry(x));
        VcpuCall second = copyWorker(1, x, y, xIsSource);
        Watch watch = new Watch(second, x, y, xIsSource ? READING : BUSY, false);
        String where = where(first, n, second);
        boolean reached = race(first, stop, second, where);
        assertEquals(OKAY, first.status()[0], first.what + where);
        assertEquals(OKAY, second.status()[0], second.what + where);
        watch.assertHeld(where);
        assertIdle(y, where);
        assertMappedThenIdle(x, READING, 0, first.status()[1], addr(0), where);
        return reached;
    }

    /**
     * B's copy from Y into X on vCPU 0, where B maps X read-only (the copy is X's first writable use), stopped at its
     * n-th access to X's word, while vCPU 1 unmaps that mapping: wherever the copy holds X, X shows GTF_reading and
     * GTF_writing.
     */
    private boolean copyIntoAPinnedEntryWhileTheOtherVcpuUnmaps(int n) {
        int x = grantFresh();
        int y = grantFresh();
        prime(y);
        GrantDomain.Mapped m0 = mapOn(1, x, HOST | RO, addr(1));
        assertEquals(OKAY, m0.status(), "B's read-only map of A's reference " + x);
        VcpuCall first = copyWorker(0, x, y, false);
        Stop stop = new Stop(first, n, entry(x));
        Watch watch = new Watch(first, x, y, BUSY, false);
        VcpuCall second = new VcpuCall("B's unmap of its read-only mapping of A's reference " + x + " on vCPU 1",
                vcpus[1], () -> new int[] {unmap(1, m0.handle(), addr(1))});
        String where = where(first, n, second);
        boolean reached = race(first, stop, second, where);
        assertEquals(OKAY, first.status()[0], first.what + where);
        assertEquals(OKAY, second.status()[0], second.what + where);
        watch.assertHeld(where);
        assertIdle(x, where);
        assertIdle(y, where);
        return reached;
    }

    /**
     * B's copy from X into Y on vCPU 0 held where it holds X; B's writable map of X on vCPU 1 stopped at its n-th
     * access to X's word; the copy goes on (to its release of X) for {@link #OVERLAP_MS} ms, then the map: the writable
     * mapping must keep X busy (GTF_reading and GTF_writing) after the copy.
     */
    private boolean writableMapWhileACopyReleases(int n) {
        int x = grantFresh();
        int y = grantFresh();
        prime(x);
        prime(y);
        VcpuCall copy = copyWorker(0, x, y, true);
        Watch held = new Watch(copy, x, y, READING, true);
        VcpuCall map = new VcpuCall("B's writable map of A's reference " + x + " on vCPU 1", vcpus[1], () -> {
            GrantDomain.Mapped m = map(1, x, HOST, addr(1));
            return new int[] {m.status(), m.handle()};
        });
        Stop stop = new Stop(map, n, entry(x));
        String where = " (" + map.what + " stopped after its access " + n + " to the entry's flags word, while "
                + copy.what + " held the entry and then went on to its end)";
        boolean reached = false;
        try {
            copy.start();
            KitVcpu.awaitUntil(() -> held.reached() || copy.done(), KitVcpu.DONE);
            if (held.reached()) {
                map.start();
                KitVcpu.awaitUntil(() -> stop.reached() || map.done(), KitVcpu.DONE);
                reached = stop.reached();
                held.resume();
                copy.awaitDone(RaceWindow.of(OVERLAP_MS));
                stop.resume();
            } else {
                map.start();
            }
            VcpuCall.joinBoth(map, copy, where);
        } finally {
            held.resume();
            stop.resume();
        }
        if (reached) {
            stopped.add(where);
        }
        assertEquals(OKAY, copy.status()[0], copy.what + where);
        assertEquals(OKAY, map.status()[0], map.what + where);
        held.assertHeld(where);
        assertIdle(y, where);
        assertMappedThenIdle(x, BUSY, 1, map.status()[1], addr(1), where);
        return reached;
    }

    /**
     * A's swap_grant_ref of X and Z (both granted to B) stopped at its n-th access to either entry's word, while B
     * copies from X into Y: the swap is okay (or GNTST_eagain, when it saw the copy's pin), and the copy, held where it
     * holds X until the swap has returned, sees GTF_reading on X then.
     */
    private boolean swapWhileACopyUsesTheEntry(boolean contestedLower, int n) {
        int lo = grantFresh();
        int hi = grantFresh();
        int y = grantFresh();
        int x = contestedLower ? lo : hi;
        int z = contestedLower ? hi : lo;
        prime(x);
        prime(z);
        prime(y);
        VcpuCall first = new VcpuCall("A's swap_grant_ref of its references " + x + " and " + z, aVcpu,
                () -> new int[] {swap(x, z)});
        Stop stop = new Stop(first, n, entry(x), entry(z));
        VcpuCall second = copyWorker(0, x, y, true);
        Watch watch = new Watch(second, x, y, READING, true);
        String where = where(first, n, second);
        boolean reached = false;
        try {
            first.start();
            KitVcpu.awaitUntil(() -> stop.reached() || first.done(), KitVcpu.DONE);
            reached = stop.reached();
            if (reached) {
                second.start();
                KitVcpu.awaitUntil(() -> second.done() || watch.reached(), RaceWindow.of(OVERLAP_MS));
                stop.resume();
            }
            assertTrue(first.awaitDone(KitVcpu.DONE), first.what + " did not return within " + KitVcpu.DONE + " after the kit let it "
                    + "go on" + where);
            if (!reached) {
                second.start();
            }
            // the copy, held where it holds X, is looked at once the swap has returned
            KitVcpu.awaitUntil(() -> watch.reached() || second.done(), KitVcpu.DONE);
            watch.observeNow();
            watch.resume();
            VcpuCall.joinBoth(first, second, where);
        } finally {
            stop.resume();
            watch.resume();
        }
        if (reached) {
            stopped.add(where);
        }
        int swapped = first.status()[0];
        assertTrue(swapped == OKAY || swapped == EAGAIN, first.what + where + ": expected okay or GNTST_eagain, got "
                + GrantStatus.describe(swapped));
        assertEquals(OKAY, second.status()[0], second.what + where);
        watch.assertHeld(where);
        assertIdle(x, where);
        assertIdle(z, where);
        assertIdle(y, where);
        return reached;
    }

    // ------------------------------------------------------------------------------------- orchestration

    /**
     * Runs {@code first} to its stop, then {@code second} for {@link #OVERLAP_MS} ms (or until it returns), then lets
     * {@code first} go on and joins both with a bound. When {@code first} does not reach its stop, it runs to its end
     * and {@code second} runs after it.
     *
     * @return whether {@code first} reached its stop
     */
    private boolean race(VcpuCall first, Stop stop, VcpuCall second, String where) {
        boolean reached = false;
        try {
            first.start();
            KitVcpu.awaitUntil(() -> stop.reached() || first.done(), KitVcpu.DONE);
            reached = stop.reached();
            if (reached) {
                second.start();
                second.awaitDone(RaceWindow.of(OVERLAP_MS));
                stop.resume();
                VcpuCall.joinBoth(first, second, where);
            } else {
                assertTrue(first.awaitDone(KitVcpu.DONE), first.what + " did not return within " + KitVcpu.DONE + where);
                second.start();
                assertTrue(second.awaitDone(KitVcpu.DONE), second.what + " did not return within " + KitVcpu.DONE + " (run alone)"
                        + where);
            }
        } finally {
            stop.resume();
        }
        if (reached) {
            stopped.add(where);
        }
        return reached;
    }

    private static String where(VcpuCall first, int n, VcpuCall second) {
        return " (" + first.what + " stopped after its access " + n + " to the entry's flags word while "
                + second.what + " ran)";
    }

    /** Registers {@code action} for the next {@link #WATCHED} accesses to A's entry word {@code word}. */
    private void onAccess(long word, Consumer<MemoryAccess> action) {
        a.hostile.afterNextReads(word, 4, WATCHED, action);
    }

    /** Holds a worker's thread right after its n-th access to any of the given words, until {@link #resume()}. */
    private final class Stop {
        private final Thread thread;
        private final int n;
        private final AtomicInteger accesses = new AtomicInteger();
        private final CountDownLatch reached = new CountDownLatch(1);
        private final CountDownLatch go = new CountDownLatch(1);

        Stop(VcpuCall worker, int n, long... words) {
            this.thread = worker.thread;
            this.n = n;
            for (long word : words) {
                onAccess(word, real -> hit());
            }
        }

        private void hit() {
            if (Thread.currentThread() != thread || accesses.incrementAndGet() != n || go.getCount() == 0) {
                return;
            }
            reached.countDown();
            KitVcpu.hold(go);
        }

        boolean reached() {
            return reached.getCount() == 0;
        }

        void resume() {
            go.countDown();
        }
    }

    /**
     * Watches a copy at its first access to Y's word made after it accessed X's word (it holds X there, whatever order
     * it takes the sides in): records X's busy bits at that instant, and holds the copy there when asked to.
     */
    private final class Watch {
        private final Thread thread;
        private final int x;
        private final int held;
        private final boolean holds;
        private final AtomicBoolean sawX = new AtomicBoolean();
        private final AtomicBoolean fired = new AtomicBoolean();
        private final CountDownLatch reached = new CountDownLatch(1);
        private final CountDownLatch go = new CountDownLatch(1);
        private volatile int seen = -1;

        Watch(VcpuCall copy, int x, int y, int held, boolean holds) {
            this.thread = copy.thread;
            this.x = x;
            this.held = held;
            this.holds = holds;
            long xWord = entry(x);
            onAccess(xWord, real -> {
                if (Thread.currentThread() == thread) {
                    sawX.set(true);
                }
            });
            onAccess(entry(y), real -> {
                if (Thread.currentThread() != thread || !sawX.get() || !fired.compareAndSet(false, true)) {
                    return;
                }
                seen = real.getIntVolatile(xWord) & BUSY;
                reached.countDown();
                if (holds && go.getCount() != 0) {
                    KitVcpu.hold(go);
                }
            });
        }

        boolean reached() {
            return reached.getCount() == 0;
        }

        void resume() {
            go.countDown();
        }

        /** Reads X's busy bits again now, while the copy is held where it holds X (nothing when it never got there). */
        void observeNow() {
            if (reached() && go.getCount() != 0) {
                seen = a.busy(x);
            }
        }

        /** What the copy's entry showed where the copy held it (nothing asserted when the copy never got there). */
        void assertHeld(String where) {
            if (seen >= 0) {
                assertEquals(held, seen & held, String.format("busy bits of A's reference %d while B's copy held it "
                        + "(between its first access to the entry and its access to its other grant side): expected "
                        + "0x%x set, saw 0x%x%s", x, held, seen, where));
            }
        }
    }

    // ------------------------------------------------------------------------------------ B's and A's calls

    private VcpuCall copyWorker(int vcpu, int x, int y, boolean xIsSource) {
        int src = xIsSource ? x : y;
        int dst = xIsSource ? y : x;
        return new VcpuCall("B's copy from A's reference " + src + " into A's reference " + dst + " on vCPU " + vcpu,
                vcpus[vcpu], () -> new int[] {copy(vcpu, src, dst)});
    }

    /** A fresh reference of A granted writable to B (each to a data frame of A). */
    private int grantFresh() {
        int ref = nextRef++;
        a.grant(ref, b.domid(), a.data(ref % 4), false);
        return ref;
    }

    /** B maps {@code ref} read-only and unmaps it: the entry has been used once (an implementation may keep state). */
    private void prime(int ref) {
        GrantDomain.Mapped m = mapOn(0, ref, HOST | RO, addr(0));
        assertEquals(OKAY, m.status(), "B's read-only map of A's reference " + ref);
        assertEquals(OKAY, unmapOn(0, m.handle(), addr(0)), "B's unmap of A's reference " + ref);
        assertEquals(0, a.busy(ref), "busy bits of A's reference " + ref + " after B's map and unmap");
    }

    private long entry(int ref) {
        return a.entryGpa(ref);
    }

    private static long addr(int vcpu) {
        return 0x40_0000L + 0x1000L * vcpu;
    }

    /** The part of a domain's scratch frame where its calls on {@code vcpu} put their arguments. */
    private static long area(GrantDomain d, int vcpu) {
        return d.scratch + 1024 + 1024L * vcpu;
    }

    private static long call(GrantDomain d, int vcpu, GrantTableOp op, long args) {
        return d.dom.hypercall(vcpu, HypercallOp.GRANT_TABLE_OP.number(), op.code(), args, 1, 0, 0);
    }

    private static int clamp(long rc) {
        return (int) Math.max(rc, Integer.MIN_VALUE);
    }

    /** B's map on vCPU {@code vcpu}, made on its thread. */
    private GrantDomain.Mapped mapOn(int vcpu, int ref, int flags, long hostAddr) {
        int[] st = vcpus[vcpu].call("B's map of A's reference " + ref, () -> {
            GrantDomain.Mapped m = map(vcpu, ref, flags, hostAddr);
            return new int[] {m.status(), m.handle()};
        });
        return new GrantDomain.Mapped(st[0], st[1], 0);
    }

    /** B's unmap on vCPU {@code vcpu}, made on its thread. */
    private int unmapOn(int vcpu, int handle, long hostAddr) {
        return vcpus[vcpu].call("B's unmap of its handle " + handle, () -> new int[] {unmap(vcpu, handle, hostAddr)})[0];
    }

    private GrantDomain.Mapped map(int vcpu, int ref, int flags, long hostAddr) {
        long args = area(b, vcpu);
        b.writeMap(args, a.domid(), ref, flags, hostAddr);
        long rc = call(b, vcpu, GrantTableOp.MAP_GRANT_REF, args);
        return rc != 0 ? new GrantDomain.Mapped(clamp(rc), -1, 0) : b.readMap(args);
    }

    private int unmap(int vcpu, int handle, long hostAddr) {
        long args = area(b, vcpu);
        b.mem.setLong(args + GnttabUnmapGrantRefLayout.HOST_ADDR_OFFSET, hostAddr);
        b.mem.setLong(args + GnttabUnmapGrantRefLayout.DEV_BUS_ADDR_OFFSET, 0);
        b.mem.setInt(args + GnttabUnmapGrantRefLayout.HANDLE_OFFSET, handle);
        b.mem.setShort(args + GnttabUnmapGrantRefLayout.STATUS_OFFSET, (short) 0x7777);
        long rc = call(b, vcpu, GrantTableOp.UNMAP_GRANT_REF, args);
        return rc != 0 ? clamp(rc) : b.mem.getShort(args + GnttabUnmapGrantRefLayout.STATUS_OFFSET);
    }

    /** B copies {@link #LEN} bytes from A's reference {@code src} into A's reference {@code dst}. */
    private int copy(int vcpu, int src, int dst) {
        long e = area(b, vcpu);
        b.mem.setLong(e + GnttabCopyLayout.SOURCE_OFFSET, 0);
        b.mem.setLong(e + GnttabCopyLayout.DEST_OFFSET, 0);
        b.mem.setInt(e + GnttabCopyLayout.SOURCE_U_REF_OFFSET, src);
        b.mem.setInt(e + GnttabCopyLayout.DEST_U_REF_OFFSET, dst);
        b.mem.setShort(e + GnttabCopyLayout.SOURCE_DOMID_OFFSET, (short) a.domid());
        b.mem.setShort(e + GnttabCopyLayout.SOURCE_OFFSET_OFFSET, (short) 100);
        b.mem.setShort(e + GnttabCopyLayout.DEST_DOMID_OFFSET, (short) a.domid());
        b.mem.setShort(e + GnttabCopyLayout.DEST_OFFSET_OFFSET, (short) 200);
        b.mem.setShort(e + GnttabCopyLayout.LEN_OFFSET, (short) LEN);
        b.mem.setShort(e + GnttabCopyLayout.FLAGS_OFFSET, (short) (GntCopy.SOURCE_GREF | GntCopy.DEST_GREF));
        b.mem.setShort(e + GnttabCopyLayout.STATUS_OFFSET, (short) 0x7777);
        long rc = call(b, vcpu, GrantTableOp.COPY, e);
        return rc != 0 ? clamp(rc) : b.mem.getShort(e + GnttabCopyLayout.STATUS_OFFSET);
    }

    /** A's swap_grant_ref of two of its own references (A's vCPU 0). */
    private int swap(int refA, int refB) {
        long args = area(a, 0);
        a.mem.setInt(args + GnttabSwapGrantRefLayout.REF_A_OFFSET, refA);
        a.mem.setInt(args + GnttabSwapGrantRefLayout.REF_B_OFFSET, refB);
        a.mem.setShort(args + GnttabSwapGrantRefLayout.STATUS_OFFSET, (short) 0x7777);
        long rc = call(a, 0, GrantTableOp.SWAP_GRANT_REF, args);
        return rc != 0 ? clamp(rc) : a.mem.getShort(args + GnttabSwapGrantRefLayout.STATUS_OFFSET);
    }

    // --------------------------------------------------------------------------------------- final state

    /** X carries exactly {@code busy} while B's mapping lives (revoke fails), then, unmapped, is idle and revocable. */
    private void assertMappedThenIdle(int x, int busy, int vcpu, int handle, long hostAddr, String where) {
        assertEquals(busy, a.busy(x), "busy bits of A's reference " + x + " while B's mapping of it lives" + where);
        assertFalse(a.revoke(x), "A revoked reference " + x + " while B's mapping of it lives" + where);
        assertEquals(OKAY, unmapOn(vcpu, handle, hostAddr), "B's unmap of its mapping of A's reference " + x + where);
        assertIdle(x, where);
    }

    private void assertIdle(int ref, String where) {
        assertEquals(0, a.busy(ref), "busy bits of A's reference " + ref + " once every operation returned and every "
                + "mapping was unmapped" + where);
        assertTrue(a.revoke(ref), "A revokes reference " + ref + " once every operation returned and every mapping was "
                + "unmapped" + where);
    }
}
