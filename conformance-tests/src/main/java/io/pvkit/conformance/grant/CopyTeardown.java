package io.pvkit.conformance.grant;

import io.pvkit.abi.DomId;
import io.pvkit.abi.grant.GntCopy;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.grant.GrantStatus;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.conformance.spi.DomainUnderTest;
import io.pvkit.conformance.spi.HypervisorUnderTest;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * GNT-43: a domain's teardown waits for a copy in flight that uses one of its grants. Xen's {@code gnttab_copy} holds
 * both domains ({@code gnttab_copy_lock_domains}: {@code rcu_lock_domain_by_id}) and a reference to each grant side's
 * page ({@code acquire_grant_for_copy}) until {@code gnttab_copy_release_buf} drops them ({@code put_page},
 * {@code release_grant_for_copy}); a dying domain's page is freed only when its last reference is gone. Through the
 * SPI, {@code destroyDomain} returning means the domain's resources, its memory among them, are released: it must not
 * return while another vCPU's copy still reads or writes that memory.
 *
 * <p><b>How the kit stands inside the copy.</b> B copies between a grant of a fresh domain G (the one destroyed) and a
 * grant of C (which lives on), with G's grant as the source and then as the destination, each at the references'
 * first use and at a later one (a fresh G each time). Through both domains' shared-memory views the kit watches the
 * implementation's accesses to the two entries' flags words; at the first access to one made while the other shows
 * the bits the copy sets (GTF_reading for a source, GTF_reading|GTF_writing for a destination), the copy is stopped
 * there, on the copying thread: the kit lets another thread (a vCPU of C the implementation has not seen before) copy
 * between two of C's own frames, then starts {@code destroyDomain(G)} in a third thread and waits {@value #WINDOW_MS}
 * ms. A correct teardown cannot finish in that window, so a slow machine never fails a correct implementation (it
 * only lets a wrong one pass). Then the copy goes on, and once it returned the kit waits (bounded) for the teardown to
 * finish. Nothing is called into the implementation on the stopped thread: it only waits, so a lock the copy holds
 * there delays the other threads, never deadlocks them.
 *
 * <p>What the kit checks after the copy: the teardown had not finished while the copy was stopped; the copy returned
 * a status (not an exception); where the destination (C's frame) outlives the teardown, a GNTST_okay copy moved every
 * byte and a failed one wrote none; C's entry is idle and revocable; the other thread's copy was okay. One instance
 * serves one test method.
 */
final class CopyTeardown {
    private static final int OKAY = GrantStatus.OKAY.code();
    private static final int BUSY = GrantFlags.READING | GrantFlags.WRITING;
    /** How long the kit keeps the copy stopped while the teardown runs, unless {@link RaceWindow} overrides it. */
    static final long WINDOW_MS = 200;
    /** How many accesses to each entry's flags word the kit watches per copy. */
    private static final int WATCHED = 64;
    private static final int LEN = 64;
    private static final int SRC_OFFSET = 300;
    private static final int DST_OFFSET = 1000;
    /** G's reference (in a fresh G each time). */
    private static final int G_REF = 60;
    /** C's first reference: each case and round has its own, so that round 1 is its first use. */
    private static final int C_REF = 60;

    private final HypervisorUnderTest hypervisor;
    private final List<DomainUnderTest> domains;
    private final Supplier<GrantDomain> create;
    private final GrantDomain b;
    private final GrantDomain c;

    CopyTeardown(HypervisorUnderTest hypervisor, List<DomainUnderTest> domains, Supplier<GrantDomain> create,
            GrantDomain b, GrantDomain c) {
        this.hypervisor = hypervisor;
        this.domains = domains;
        this.create = create;
        this.b = b;
        this.c = c;
    }

    /** What happened at the stop (written on the copying thread, read there after the copy). */
    private static final class AtTheStop {
        volatile boolean armed = true;
        boolean reached;
        Thread destroyer;
        boolean destroyedWhileStopped;
        final AtomicReference<Throwable> destroyFailure = new AtomicReference<>();
        Thread otherCopier;
        final AtomicReference<Object> otherCopy = new AtomicReference<>();
    }

    private static String use(int round) {
        return round == 1 ? " (the references' first use)" : " (a later use of the same references)";
    }

    /** GNT-43. */
    void teardownWaitsForCopiesInFlight() throws InterruptedException {
        int k = 0;
        for (int round = 1; round <= 2; round++) {
            for (boolean gIsSource : new boolean[] {true, false}) {
                oneCopy(gIsSource, round, C_REF + k, c.data(14 + k));
                k++;
            }
        }
    }

    private void oneCopy(boolean gIsSource, int round, int cRef, long cFrame) throws InterruptedException {
        GrantDomain g = create.get();
        assertNotNull(g.hostile, "the implementation declares SHARED_MEMORY_VIEW but did not call "
                + "DomainConfig.sharedView(memory) when it created a domain");
        long gFrame = g.data(12);
        g.grant(G_REF, b.domid(), gFrame, gIsSource);
        c.grant(cRef, b.domid(), cFrame, !gIsSource);
        GrantDomain src = gIsSource ? g : c;
        GrantDomain dst = gIsSource ? c : g;
        int srcRef = gIsSource ? G_REF : cRef;
        int dstRef = gIsSource ? cRef : G_REF;
        long srcFrame = gIsSource ? gFrame : cFrame;
        long dstFrame = gIsSource ? cFrame : gFrame;
        String what = "B's copy from " + name(src, g) + "'s reference " + srcRef + " into " + name(dst, g)
                + "'s reference " + dstRef + use(round) + ", destroying G (domain " + g.domid() + ") while it ran";
        for (int i = 0; i < GuestMemory.PAGE_SIZE; i++) {
            src.mem.setByte(GuestMemory.gpaOf(srcFrame) + i, (byte) (i * 7 + round));
        }
        dst.fillFrame(dstFrame, (byte) 0);
        GrantDomain.Copy op = new GrantDomain.Copy(srcRef, src.domid(), SRC_OFFSET, dstRef, dst.domid(), DST_OFFSET,
                LEN, GntCopy.SOURCE_GREF | GntCopy.DEST_GREF);
        if (round == 2) {
            assertEquals(OKAY, b.copy(op)[0], "the first use of the references: " + what.replace(", destroying G "
                    + "(domain " + g.domid() + ") while it ran", ""));
            dst.fillFrame(dstFrame, (byte) 0);
        }
        AtTheStop stop = new AtTheStop();
        Thread copier = Thread.currentThread();
        Runnable inside = () -> insideTheCopy(g, stop);
        int srcHeld = GrantFlags.READING;
        int dstHeld = BUSY;
        arm(src, srcRef, dst, dstRef, dstHeld, stop, copier, inside);
        arm(dst, dstRef, src, srcRef, srcHeld, stop, copier, inside);
        domains.remove(g.dom);
        short st = 0;
        RuntimeException thrown = null;
        try {
            st = b.copy(op)[0];
        } catch (RuntimeException e) {
            thrown = e;
        } finally {
            stop.armed = false;
        }
        if (!stop.reached) {
            hypervisor.destroyDomain(g.dom);
            fail(what + ": the copy never accessed one grant entry's flags word through the shared-memory view while "
                    + "the other showed the copy's busy bits: a copy sets each grant side's busy bits in the entry "
                    + "(through the view, SHARED_MEMORY_VIEW) while it uses it, and holds the side it takes first while "
                    + "it takes the second");
        }
        stop.destroyer.join(Duration.ofSeconds(20));
        stop.otherCopier.join(Duration.ofSeconds(20));
        assertFalse(stop.destroyedWhileStopped, what + ": destroyDomain(G) returned while the copy was stopped inside "
                + "the implementation (it must not complete while a copy of G's memory is in flight)");
        if (thrown != null) {
            throw new AssertionError(what + ": the copy threw instead of returning a status", thrown);
        }
        assertFalse(stop.destroyer.isAlive(), what + ": destroying G never completed after the copy returned");
        assertNull(stop.destroyFailure.get(), what + ": destroying G threw");
        assertFalse(stop.otherCopier.isAlive(), what + ": C's copy between its own frames, made on another thread "
                + "while B's copy was stopped, never returned");
        assertEquals(Short.valueOf((short) OKAY), stop.otherCopy.get(), what + ": C's copy between its own frames, "
                + "made on another thread while B's copy was stopped");
        if (gIsSource) {
            for (int i = 0; i < LEN; i++) {
                byte expected = st == OKAY ? (byte) ((SRC_OFFSET + i) * 7 + round) : 0;
                assertEquals(expected, c.byteAt(cFrame, DST_OFFSET + i), what + ": byte " + i + " of the destination "
                        + "(status " + GrantStatus.describe(st) + ")");
            }
        }
        assertEquals(0, c.busy(cRef), what + ": busy bits of C's reference " + cRef + " after the copy (status "
                + GrantStatus.describe(st) + ")");
        assertTrue(c.revoke(cRef), what + ": C revokes reference " + cRef + " after the copy");
    }

    private static String name(GrantDomain d, GrantDomain g) {
        return d == g ? "G" : "C";
    }

    /**
     * Stops the copy at the first access to {@code watched}'s entry {@code ref} made (by the copying thread) while
     * {@code other}'s entry {@code otherRef} shows {@code otherHeld}.
     */
    private static void arm(GrantDomain watched, int ref, GrantDomain other, int otherRef, int otherHeld,
            AtTheStop stop, Thread copier, Runnable inside) {
        long otherWord = other.entryGpa(otherRef);
        watched.hostile.afterNextReads(watched.entryGpa(ref), 4, WATCHED, real -> {
            if (stop.armed && !stop.reached && Thread.currentThread() == copier
                    && (other.mem.getIntVolatile(otherWord) & BUSY) == otherHeld) {
                stop.reached = true;
                inside.run();
            }
        });
    }

    /**
     * At the stop, on the copying thread: another vCPU's copy (C between two of its own frames, on a thread new to the
     * implementation), then G's teardown in a third thread, given {@value #WINDOW_MS} ms. Only waits, bounded.
     */
    private void insideTheCopy(GrantDomain g, AtTheStop stop) {
        stop.otherCopier = Thread.ofPlatform().daemon().name("pvkit-kit-other-copy").start(() -> {
            try {
                stop.otherCopy.set(c.copy(new GrantDomain.Copy(c.data(20), DomId.SELF, 0, c.data(21), DomId.SELF, 0,
                        LEN, 0))[0]);
            } catch (Throwable t) {
                stop.otherCopy.set(t);
            }
        });
        try {
            stop.otherCopier.join(Duration.ofSeconds(2));
            stop.destroyer = Thread.ofPlatform().daemon().name("pvkit-kit-destroy").start(() -> {
                try {
                    hypervisor.destroyDomain(g.dom);
                } catch (Throwable t) {
                    stop.destroyFailure.set(t);
                }
            });
            stop.destroyedWhileStopped = stop.destroyer.join(RaceWindow.of(WINDOW_MS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
