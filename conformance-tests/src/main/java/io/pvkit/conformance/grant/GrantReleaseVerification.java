package io.pvkit.conformance.grant;

import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.memory.GuestMemory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The seventh part of {@link GrantTableVerification} (extend that class, not this one): the release of host mappings
 * (GNT-37 .. GNT-39). A partial unmap ends only the part it names; an unmap with nothing in flight is complete when it
 * returns, whatever accessors were asked for; a release that waits for accesses in flight waits for each of them, for
 * every accessor of the mapping, and for nothing else; and an unmap made by another thread than the mapping's never
 * leaves that thread's accessors working once the pins are gone. Every moment is fixed by the kit: transfers in flight
 * are blocked in a pipe ({@link InFlightAccess}), the mapping thread is idle between the calls the kit hands it
 * ({@link MappingThread}); nothing waits on a clock to decide a result.
 */
public abstract class GrantReleaseVerification extends GrantMappedAccessVerification {
    private static final int PAGE = GuestMemory.PAGE_SIZE;
    private static final int DEVICE = GntMap.DEVICE_MAP;

    /** For subclasses. */
    protected GrantReleaseVerification() {
    }

    /** {@link #mappedFrame}, or the rule is skipped when the implementation has none. */
    private MappedFrame accessorsOf(GrantDomain mapper, int handle) {
        MappedFrame f = mappedFrame(hypervisor, mapper.dom, handle);
        Assumptions.assumeTrue(f != null, "the implementation has no in-process access to host mappings");
        return f;
    }

    // ------------------------------------------------------------------------------------------ GNT-37

    /**
     * Rule {@linkplain GrantRules GNT-37}: a partial unmap ends only the part it names. B maps A's grant with a host and
     * a device part (writable, then read-only) and asks for the host mapping's accessors; the unmap of the device part
     * alone leaves the entry pinned and every accessor (asked for before it, and after it) reading A's frame and, for
     * the writable mapping, writing into it; the host part's unmap then ends them all, idles the entry and makes the
     * handle stale. The other way round, the unmap of the host part alone ends the accessors while the device part
     * keeps the entry pinned until its own unmap.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>an unmap removes exactly the kinds it names ({@code dev_bus_addr} the device part, {@code host_addr} the
     *       host part) and ends the host view only when the host kind is among them (a test of the removed kinds
     *       with {@code &}, not {@code |});</li>
     *   <li>the pins dropped are those of the removed kinds, and the handle stays live while any kind remains.</li>
     * </ul>
     */
    @Test
    public void required_GNT_37_partialUnmapEndsOnlyThePartNamed() {
        int ref = FIRST_REF;
        for (boolean readOnly : new boolean[] {false, true}) {
            long gfn = a.data(ref - FIRST_REF);
            a.fillFrame(gfn, (byte) 0x31);
            a.grant(ref, b.domid(), gfn, false);
            String which = readOnly ? "a read-only host and device mapping" : "a writable host and device mapping";
            GrantDomain.Mapped m = b.map(a.domid(), ref, HOST | DEVICE | (readOnly ? RO : 0), 0x1000);
            assertEquals(OKAY, m.status(), "map of " + which);
            assertTrue(m.devBusAddr() != 0, "the device address of " + which);
            MappedFrame before = accessorsOf(b, m.handle());
            int pinned = readOnly ? GrantFlags.READING : BUSY;
            assertEquals(0x31, before.getByte(100), "a read through " + which);
            assertEquals(OKAY, b.unmap(m.handle(), 0, m.devBusAddr()), "unmap of the device part only of " + which);
            assertEquals(pinned, a.busy(ref), "the busy bits of " + which + " after the unmap of its device part only "
                    + "(the host part is still mapped)");
            MappedFrame after = accessorsOf(b, m.handle());
            String when = " after the unmap of the device part only of " + which;
            assertTrue(before.isAlive(), "the host mapping's accessors asked for before say they are dead" + when);
            assertEquals(0x31, before.getByte(4095), "a read through the accessors asked for before" + when);
            assertEquals(0x31, after.getByte(0), "a read through the accessors asked for" + when);
            MemorySegment out = MemorySegment.ofArray(new byte[64]);
            before.copyTo(64, out, 0, 64);
            assertEquals(0x31, out.get(ValueLayout.JAVA_BYTE, 63), "a copy out through the accessors asked for before"
                    + when);
            if (!readOnly) {
                before.setByte(7, (byte) 0x7E);
                after.setInt(8, 0x0403_0201);
                assertEquals(0x7E, a.byteAt(gfn, 7), "A's frame after a write through the accessors asked for before"
                        + when);
                for (int k = 0; k < 4; k++) {
                    assertEquals(k + 1, a.byteAt(gfn, 8 + k), "A's frame after a write through the accessors asked for"
                            + when);
                }
            }
            assertEquals(OKAY, b.unmap(m.handle(), 0x1000, 0), "unmap of the host part of " + which);
            assertEquals(0, a.busy(ref), "the busy bits after both parts of " + which + " were unmapped");
            assertTrue(a.revoke(ref), "the granter can revoke after both parts of " + which + " were unmapped");
            byte[] frame = frameBytes(a, gfn);
            List<String> reached = new ArrayList<>();
            for (MappedFrame f : new MappedFrame[] {before, after}) {
                expectDead(reached, "a read after both parts were unmapped", () -> f.getByte(0));
                if (!readOnly) {
                    expectDead(reached, "a write after both parts were unmapped", () -> f.setByte(0, (byte) 0x55));
                }
            }
            assertEquals(List.of(), reached, "accesses through " + which + " that did not throw IllegalStateException");
            assertArrayEquals(frame, frameBytes(a, gfn), "A's frame after refused writes through " + which);
            assertEquals(BAD_HANDLE, b.unmap(m.handle(), 0x1000, 0), "the handle of " + which + " once both parts "
                    + "were unmapped");
            ref++;
        }

        // the host part first: its accessors end, the device part keeps the entry pinned
        long gfn = a.data(ref - FIRST_REF);
        a.fillFrame(gfn, (byte) 0x32);
        a.grant(ref, b.domid(), gfn, false);
        GrantDomain.Mapped m = b.map(a.domid(), ref, HOST | DEVICE, 0x2000);
        assertEquals(OKAY, m.status(), "map of a host and device mapping");
        MappedFrame f = accessorsOf(b, m.handle());
        assertEquals(0x32, f.getByte(9), "a read through the host mapping");
        assertEquals(OKAY, b.unmap(m.handle(), 0x2000, 0), "unmap of the host part only");
        assertEquals(BUSY, a.busy(ref), "the device part, still mapped, lost its pin at the unmap of the host part");
        assertFalse(a.revoke(ref), "the granter revoked a grant whose device part is still mapped");
        List<String> reached = new ArrayList<>();
        expectDead(reached, "a read after the unmap of the host part", () -> f.getByte(0));
        expectDead(reached, "a write after the unmap of the host part", () -> f.setByte(0, (byte) 0x56));
        assertEquals(List.of(), reached, "accesses through the host mapping after the unmap of its host part that did "
                + "not throw IllegalStateException");
        assertEquals(0x32, a.byteAt(gfn, 0), "A's frame after a refused write through the unmapped host part");
        assertEquals(OKAY, b.unmap(m.handle(), 0, m.devBusAddr()), "unmap of the device part after the host part");
        assertEquals(0, a.busy(ref), "the busy bits after the host part and then the device part were unmapped");
        assertTrue(a.revoke(ref), "the granter can revoke once both parts were unmapped");
    }

    // ------------------------------------------------------------------------------------------ GNT-38

    /**
     * Rule {@linkplain GrantRules GNT-38}: with nothing in flight, the release is done when the unmap returns. B maps A's
     * grant (writable, then read-only), asks for its view ({@link #mappingView}) and its accessors ({@link #mappedFrame}),
     * each twice, and reads through them; B unmaps on the same thread: at once (no {@link #settle}) the entry is idle,
     * A can revoke, and every accessor throws. Then a thread of B's maps a grant, asks for the view and the accessors,
     * reads, and ends; the test thread unmaps: at once the entry is idle and A can revoke, and nothing reaches the frame
     * through the ended mapping.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>an unmap that finds nothing in flight drops the pins itself, whichever accessors or segments were made for
     *       the mapping (a release deferred "in case" waits for an event that never comes: only {@code settle} would
     *       end it, and a guest does not call that);</li>
     *   <li>a view that only its own thread may end (a confined arena) needs no ending once that thread has ended:
     *       nothing can use it any more, so its release completes at once.</li>
     * </ul>
     */
    @Test
    public void required_GNT_38_releaseWithNothingInFlightIsDoneWhenUnmapReturns() {
        int ref = FIRST_REF;
        for (boolean readOnly : new boolean[] {false, true}) {
            long gfn = a.data(ref - FIRST_REF);
            a.fillFrame(gfn, (byte) 0x47);
            a.grant(ref, b.domid(), gfn, readOnly);
            String which = readOnly ? "a read-only mapping" : "a writable mapping";
            GrantDomain.Mapped m = b.map(a.domid(), ref, HOST | (readOnly ? RO : 0), 0x1000);
            assertEquals(OKAY, m.status(), "map of " + which);
            MemorySegment view = mappingView(hypervisor, b.dom, m.handle());
            MemorySegment view2 = mappingView(hypervisor, b.dom, m.handle());
            MappedFrame f = accessorsOf(b, m.handle());
            MappedFrame g = accessorsOf(b, m.handle());
            if (view != null) {
                assertEquals(0x47, view.get(ValueLayout.JAVA_BYTE, 5), "a read through the view of " + which);
                assertTrue(view2 != null, "no view of " + which + " when asked for again");
                assertEquals(0x47, view2.get(ValueLayout.JAVA_BYTE, 6), "a read through the view of " + which
                        + " asked for again");
            }
            assertEquals(0x47, f.getByte(7), "a read through the accessors of " + which);
            assertEquals(0x47, g.getByte(8), "a read through the accessors of " + which + " asked for again");
            assertEquals(OKAY, b.unmap(m.handle(), 0x1000, 0), "unmap of " + which + " with nothing in flight");
            assertEquals(0, a.busy(ref), "the busy bits right after the unmap of " + which + " returned (nothing was in "
                    + "flight, and no settle is needed for that)");
            assertTrue(a.revoke(ref), "the granter revokes right after the unmap of " + which + " returned");
            List<String> reached = new ArrayList<>();
            for (MappedFrame h : new MappedFrame[] {f, g}) {
                expectDead(reached, "a read through the accessors of " + which, () -> h.getByte(0));
            }
            for (MemorySegment v : new MemorySegment[] {view, view2}) {
                if (v != null) {
                    expectDead(reached, "a read through the view of " + which, () -> v.get(ValueLayout.JAVA_BYTE, 0));
                }
            }
            assertEquals(List.of(), reached, "accesses right after the unmap of " + which + " that did not throw "
                    + "IllegalStateException");
            ref++;
        }

        // the mapping's thread has ended before the unmap from another thread
        long gfn = a.data(ref - FIRST_REF);
        a.fillFrame(gfn, (byte) 0x48);
        a.grant(ref, b.domid(), gfn, false);
        int r = ref;
        GrantDomain.Mapped m;
        MemorySegment[] view = new MemorySegment[1];
        MappedFrame[] f = new MappedFrame[1];
        try (MappingThread mapper = MappingThread.start("pvkit-kit-mapping-thread")) {
            GrantDomain.Mapped mapped = mapper.call("the map", () -> b.map(a.domid(), r, HOST, 0x2000));
            m = mapped;
            assertEquals(OKAY, m.status(), "map on the mapping thread");
            byte seen = mapper.call("asking for the view and the accessors, and a read", () -> {
                view[0] = mappingView(hypervisor, b.dom, mapped.handle());
                f[0] = mappedFrame(hypervisor, b.dom, mapped.handle());
                return f[0] == null ? (byte) 0x48 : f[0].getByte(11);
            });
            Assumptions.assumeTrue(f[0] != null, "the implementation has no in-process access to host mappings");
            assertEquals(0x48, seen, "a read through the accessors on the mapping thread");
            mapper.end();
        }
        assertEquals(BUSY, a.busy(ref), "the busy bits of the mapping after its thread ended (still mapped)");
        assertEquals(OKAY, b.unmap(m.handle(), 0x2000, 0), "unmap by another thread after the mapping thread ended");
        assertEquals(0, a.busy(ref), "the busy bits right after the unmap returned: the mapping thread had ended and "
                + "nothing was in flight, so nothing can use the mapping any more");
        assertTrue(a.revoke(ref), "the granter revokes right after the unmap of the ended thread's mapping returned");
        byte[] frame = frameBytes(a, gfn);
        assertTrue(throwsRuntime(() -> f[0].setByte(0, (byte) 0x66)), "a write through the ended thread's accessors "
                + "after the unmap did not throw");
        if (view[0] != null && !view[0].isReadOnly()) {
            assertTrue(throwsRuntime(() -> view[0].set(ValueLayout.JAVA_BYTE, 1, (byte) 0x66)), "a write through the "
                    + "ended thread's view after the unmap did not throw");
        }
        assertArrayEquals(frame, frameBytes(a, gfn), "A's frame after writes through the ended mapping");
    }

    // ------------------------------------------------------------------------------------------ GNT-39

    /**
     * Rule {@linkplain GrantRules GNT-39}: a release that waits for accesses in flight waits for each of them and only
     * for them. (1) A thread of B's maps A's grant, asks for its view ({@link #mappingView}) and its accessors
     * ({@link #mappedFrame}), and blocks in a write of the frame to a full pipe through the accessors (the view idle);
     * B unmaps: the entry stays GTF_reading|GTF_writing, also after {@link #settle}, until the write returned; then,
     * settled, it is idle. (2) B and C each map one of A's grants and block in a transfer through it (a read from an
     * empty pipe, a write to a full one); both unmap; C's transfer returns first: once settled, C's entry is idle while
     * B's stays pinned, then B's goes. (3) A thread of B's maps and asks for the accessors, and stays idle; the test
     * thread unmaps; the mapping thread then maps and unmaps another grant of its own; at every step, an accessor of the
     * mapping that still reads or writes on its thread is one whose entry is still pinned; once the thread ended and
     * the implementation settled, the entry is idle.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the release counts the accesses in flight of every accessor of the mapping (its view and any other binding
     *       of it), not only those of the one it closes;</li>
     *   <li>each deferred release is completed by its own last access (or {@code settle} once that returned), and
     *       settle completes none whose access is still in flight;</li>
     *   <li>a deferred release completed on the mapping's thread ends that thread's view first (closes its arena),
     *       then drops the pins.</li>
     * </ul>
     *
     * @throws Exception when a pipe or a wait for the I/O fails
     */
    @Test
    public void required_GNT_39_releaseWaitsForEveryAccessInFlightAndOnlyForIt() throws Exception {
        // (1) the mapped frame in flight, the view idle
        int ref = FIRST_REF;
        long gfn = a.data(0);
        a.fillFrame(gfn, (byte) 0x61);
        a.grant(ref, b.domid(), gfn, false);
        GrantDomain.Mapped[] m = new GrantDomain.Mapped[1];
        MemorySegment[] view = new MemorySegment[1];
        try (InFlightAccess io = InFlightAccess.start(InFlightAccess.Kind.WRITE_TO_CHANNEL, 0, PAGE, () -> {
            m[0] = b.map(a.domid(), ref, HOST, 0x1000);
            if (m[0].status() != OKAY) {
                return null;
            }
            view[0] = mappingView(hypervisor, b.dom, m[0].handle());
            return mappedFrame(hypervisor, b.dom, m[0].handle());
        })) {
            assertEquals(OKAY, m[0].status(), "map of the grant");
            Assumptions.assumeTrue(io.frame() != null, "the implementation has no in-process access to host mappings");
            assertEquals(BUSY, a.busy(ref), "the busy bits while a write through the mapped frame is in flight");
            assertEquals(OKAY, b.unmap(m[0].handle(), 0x1000, 0), "unmap while a write through the mapped frame is in "
                    + "flight (its view asked for and idle)");
            assertEquals(BUSY, a.busy(ref), "the pin was dropped while a write through the mapped frame is still in "
                    + "flight (the mapping's view, also asked for, was idle)");
            settle(hypervisor);
            assertEquals(BUSY, a.busy(ref), "settle dropped the pin while a write through the mapped frame is still in "
                    + "flight");
            assertFalse(a.revoke(ref), "the granter revoked a page that a write through the mapped frame still reads");
            assertTrue(io.finish(new byte[0]) > 0, "the write in flight through the mapped frame moved no byte");
        }
        settle(hypervisor);
        assertEquals(0, a.busy(ref), "the pin leaked after the write through the mapped frame returned and the "
                + "implementation settled");
        assertTrue(a.revoke(ref), "the granter can revoke after the write in flight returned");
        if (view[0] != null) {
            assertTrue(throwsRuntime(() -> view[0].get(ValueLayout.JAVA_BYTE, 0)), "the view is still usable after the "
                    + "unmap and the end of the write through the mapped frame");
        }

        // (2) two releases pending at once, the later one's access returns first
        int rb = FIRST_REF + 1;
        int rc = FIRST_REF + 2;
        long gb = a.data(1);
        long gc = a.data(2);
        a.fillFrame(gb, (byte) 0x62);
        a.fillFrame(gc, (byte) 0x63);
        a.grant(rb, b.domid(), gb, false);
        a.grant(rc, c.domid(), gc, false);
        GrantDomain.Mapped[] mb = new GrantDomain.Mapped[1];
        GrantDomain.Mapped[] mc = new GrantDomain.Mapped[1];
        byte[] data = new byte[48];
        java.util.Arrays.fill(data, (byte) 0xD4);
        try (InFlightAccess ioB = InFlightAccess.start(InFlightAccess.Kind.READ_FROM_CHANNEL, 200, 1000, () -> {
            mb[0] = b.map(a.domid(), rb, HOST, 0x3000);
            return mb[0].status() == OKAY ? mappedFrame(hypervisor, b.dom, mb[0].handle()) : null;
        }); InFlightAccess ioC = InFlightAccess.start(InFlightAccess.Kind.WRITE_TO_CHANNEL, 0, PAGE, () -> {
            mc[0] = c.map(a.domid(), rc, HOST, 0x3000);
            return mc[0].status() == OKAY ? mappedFrame(hypervisor, c.dom, mc[0].handle()) : null;
        })) {
            assertEquals(OKAY, mb[0].status(), "map by B");
            assertEquals(OKAY, mc[0].status(), "map by C");
            assertEquals(OKAY, b.unmap(mb[0].handle(), 0x3000, 0), "B's unmap while its read is in flight");
            assertEquals(OKAY, c.unmap(mc[0].handle(), 0x3000, 0), "C's unmap while its write is in flight");
            assertEquals(BUSY, a.busy(rb), "B's pin was dropped while its read is in flight");
            assertEquals(BUSY, a.busy(rc), "C's pin was dropped while its write is in flight");
            assertTrue(ioC.finish(new byte[0]) > 0, "C's write in flight moved no byte");
            settle(hypervisor);
            assertEquals(0, a.busy(rc), "C's pin leaked after its write returned and the implementation settled, while "
                    + "B's release still waits for B's read");
            assertTrue(a.revoke(rc), "the granter can revoke C's grant after C's write returned");
            assertEquals(BUSY, a.busy(rb), "B's pin was dropped with C's, while B's read is still in flight");
            assertFalse(a.revoke(rb), "the granter revoked B's grant while B's read is still in flight");
            assertEquals(data.length, ioB.finish(data), "bytes B's read in flight put into the frame");
        }
        settle(hypervisor);
        assertEquals(0, a.busy(rb), "B's pin leaked after its read returned and the implementation settled");
        assertTrue(a.revoke(rb), "the granter can revoke B's grant after B's read returned");
        for (int k = 0; k < PAGE; k++) {
            int want = k >= 200 && k < 200 + data.length ? 0xD4 : 0x62;
            assertEquals((byte) want, a.byteAt(gb, k), "byte " + k + " of A's frame after B's read in flight completed");
        }

        // (3) another thread unmaps while the mapping thread is idle and alive
        int rt = FIRST_REF + 3;
        int other = FIRST_REF + 4;
        long gt = a.data(3);
        a.fillFrame(gt, (byte) 0x64);
        a.grant(rt, b.domid(), gt, false);
        a.grant(other, b.domid(), a.data(4), true);
        try (MappingThread mapper = MappingThread.start("pvkit-kit-mapping-thread")) {
            GrantDomain.Mapped mt = mapper.call("the map", () -> b.map(a.domid(), rt, HOST, 0x4000));
            assertEquals(OKAY, mt.status(), "map on the mapping thread");
            MappedFrame f = mapper.call("asking for the accessors", () -> mappedFrame(hypervisor, b.dom, mt.handle()));
            Assumptions.assumeTrue(f != null, "the implementation has no in-process access to host mappings");
            assertEquals(0x64, (byte) mapper.call("a read", () -> f.getByte(5)), "a read on the mapping thread");
            assertEquals(OKAY, b.unmap(mt.handle(), 0x4000, 0), "unmap by another thread while the mapping thread is idle");
            workingOnlyWhilePinned(mapper, f, rt, gt, "right after the unmap by another thread");
            GrantDomain.Mapped mo = mapper.call("another map", () -> b.map(a.domid(), other, HOST | RO, 0x5000));
            assertEquals(OKAY, mo.status(), "another map on the mapping thread");
            assertEquals(OKAY, (int) mapper.call("another unmap", () -> b.unmap(mo.handle(), 0x5000, 0)),
                    "another unmap on the mapping thread");
            workingOnlyWhilePinned(mapper, f, rt, gt, "after the mapping thread's own map and unmap of another grant");
            settle(hypervisor);
            workingOnlyWhilePinned(mapper, f, rt, gt, "after settle, the mapping thread alive");
            mapper.end();
        }
        settle(hypervisor);
        assertEquals(0, a.busy(rt), "the pin leaked after the unmap by another thread, the mapping thread's end and "
                + "settle");
        assertTrue(a.revoke(rt), "the granter can revoke once the mapping thread ended and the implementation settled");
        assertEquals(0, a.busy(other), "the pin of the mapping thread's other grant leaked");
    }

    /**
     * Whatever the implementation does with a mapping that another thread unmapped while its own thread may still use
     * it, an accessor that still reads or writes the frame on that thread is one whose entry is still pinned: if the
     * entry was idle before the accesses, they must throw, and the frame stays as it was.
     */
    private void workingOnlyWhilePinned(MappingThread mapper, MappedFrame f, int ref, long gfn, String when) {
        byte[] frame = frameBytes(a, gfn);
        int busy = a.busy(ref);
        boolean readRefused = mapper.refuses("a read", () -> f.getByte(0));
        boolean writeRefused = mapper.refuses("a write", () -> f.setByte(1, (byte) 0x6A));
        if (busy == 0) {
            assertTrue(readRefused, "a read through the mapping's accessors on its own thread worked " + when
                    + ", while the entry was idle (the granter may reuse the page)");
            assertTrue(writeRefused, "a write through the mapping's accessors on its own thread worked " + when
                    + ", while the entry was idle (the granter may reuse the page)");
            assertArrayEquals(frame, frameBytes(a, gfn), "A's frame after refused writes " + when);
        } else if (!writeRefused) {
            frame[1] = (byte) 0x6A;
            assertArrayEquals(frame, frameBytes(a, gfn), "A's frame after a write through the pinned mapping " + when);
        }
    }

    private static void expectDead(List<String> reached, String what, MappingThread.ThrowingRunnable access) {
        try {
            access.run();
            reached.add(what + " (returned)");
        } catch (Throwable t) {
            if (!(t instanceof IllegalStateException)) {
                reached.add(what + " (threw " + t + ")");
            }
        }
    }

    private static boolean throwsRuntime(MappingThread.ThrowingRunnable access) {
        try {
            access.run();
            return false;
        } catch (Throwable t) {
            return t instanceof RuntimeException;
        }
    }
}
