package io.pvkit.conformance.grant;

import io.pvkit.abi.grant.GrantFlags;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static io.pvkit.conformance.grant.MappedFrameChecks.PAGE;
import static io.pvkit.conformance.grant.MappedFrameChecks.allAccessesRefused;
import static io.pvkit.conformance.grant.MappedFrameChecks.refused;
import static io.pvkit.conformance.grant.MappedFrameChecks.dead;

/**
 * A part of {@link GrantTableVerification} (extend that class, not this one): the end of a host mapping
 * (GNT-35, GNT-36): after unmap, the mapper's teardown and the granter's death no access through the old accessors
 * reaches the frame, and an access in flight keeps the grant pinned until it returns. The accessors are
 * {@link #mappedFrame}'s, as for the live mappings of {@link GrantMappedFrameVerification}.
 */
public abstract class GrantMappedAccessVerification extends GrantMappedFrameVerification {

    /** For subclasses. */
    protected GrantMappedAccessVerification() {
    }

    // ------------------------------------------------------------------------------------------ GNT-35

    /**
     * Rule {@linkplain GrantRules GNT-35}: an ended mapping reaches nothing. After B's unmap, every access kind through
     * the mapping (and through a frame asked for again before the unmap) throws {@link IllegalStateException} and no
     * write reaches A's frame, also after B mapped another grant, and while later mappings take every maptrack slot in
     * turn (more mappings than {@link #maptrackLimit()}, one after the other, so one reuses the unmapped mapping's slot);
     * the same after the mapper C was destroyed holding a mapping, and after the granter died while B mapped its
     * grant; accessors asked for with the ended mapping's handle (after the unmap, after C's teardown) are none or
     * refuse every access too.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>every accessor checks that the mapping is live, scalar reads too (a read checked before its load only, or
     *       not at all, returns bytes of a page the granter may have reused);</li>
     *   <li>an accessor tells the mapping it was made for from a later mapping of the same handle or maptrack slot
     *       (a generation or epoch, not the slot index);</li>
     *   <li>the mapper's teardown and the granter's death end the mappings they release exactly as unmap does.</li>
     * </ul>
     *
     * @throws IOException from the pipe
     */
    @Test
    public void required_GNT_35_endedMappingReachesNothing() throws IOException {
        a.fillFrame(a.data(0), (byte) 0x42);
        a.grant(FIRST_REF, b.domid(), a.data(0), false);
        GrantDomain.Mapped m = b.map(a.domid(), FIRST_REF, HOST, 0x1000);
        assertEquals(OKAY, m.status(), "map of the grant");
        MappedFrame f = frameOf(b, m.handle());
        MappedFrame again = frameOf(b, m.handle());
        assertEquals(0x42, f.getByte(7), "a read while mapped");
        assertEquals(OKAY, b.unmap(m.handle(), 0x1000, 0));
        byte[] frame = frameBytes(a, a.data(0));
        assertFalse(f.isAlive(), "an unmapped mapping is alive");
        allAccessesRefused(f, "after the unmap");
        allAccessesRefused(again, "after the unmap, through the frame asked for again");
        assertArrayEquals(frame, frameBytes(a, a.data(0)), "A's frame after refused writes through the unmapped mapping");
        staleHandleReachesNothing(b, m.handle(), "after the unmap");

        a.fillFrame(a.data(1), (byte) 0x43);
        a.grant(FIRST_REF + 1, b.domid(), a.data(1), false);
        GrantDomain.Mapped next = b.map(a.domid(), FIRST_REF + 1, HOST, 0x1000);
        assertEquals(OKAY, next.status(), "map of another grant after the unmap");
        byte[] nextFrame = frameBytes(a, a.data(1));
        allAccessesRefused(f, "after the unmap and a new mapping (handle " + next.handle() + ")");
        assertArrayEquals(nextFrame, frameBytes(a, a.data(1)), "the new mapping's frame after refused writes through the "
                + "old mapping");
        assertEquals(OKAY, b.unmap(next.handle(), 0x1000, 0));
        // later mappings take the maptrack's slots one after the other, more of them than it has (declared by
        // maptrackLimit(), GNT-09), so one reuses the unmapped mapping's slot whatever order the free slots are taken
        // in: the old mapping's accessors never come alive again with a later mapping of its slot
        int rounds = Math.min(maptrackLimit() > 0 ? maptrackLimit() + 2 : 258, MAX_TESTED_MAPTRACK + 2);
        List<String> alive = new ArrayList<>();
        for (int round = 0; round < rounds && alive.isEmpty(); round++) {
            GrantDomain.Mapped later = b.map(a.domid(), FIRST_REF + 1, HOST, 0x1000);
            assertEquals(OKAY, later.status(), "map " + round + " of another grant after the unmap");
            String when = " while later mapping " + round + " (handle " + later.handle() + ") is live";
            dead(alive, "a read through the unmapped mapping" + when, () -> f.getByte(0));
            dead(alive, "a read through the unmapped mapping's frame asked for again" + when, () -> again.getByte(0));
            dead(alive, "a write through the unmapped mapping" + when, () -> f.setByte(1, (byte) 0x66));
            assertEquals(OKAY, b.unmap(later.handle(), 0x1000, 0));
        }
        assertEquals(List.of(), alive, "accesses through the unmapped mapping that did not throw IllegalStateException");
        assertArrayEquals(nextFrame, frameBytes(a, a.data(1)), "the later mappings' frame after refused writes through "
                + "the old mapping");

        // the mapper dies holding the mapping
        a.grant(FIRST_REF + 2, c.domid(), a.data(2), false);
        GrantDomain.Mapped held = c.map(a.domid(), FIRST_REF + 2, HOST, 0x2000);
        assertEquals(OKAY, held.status(), "map by C");
        MappedFrame dead = frameOf(c, held.handle());
        hypervisor.destroyDomain(c.dom);
        domains.remove(c.dom);
        byte[] cFrame = frameBytes(a, a.data(2));
        allAccessesRefused(dead, "after the mapper's teardown");
        staleHandleReachesNothing(c, held.handle(), "after the mapper's teardown");
        assertArrayEquals(cFrame, frameBytes(a, a.data(2)), "A's frame after refused writes through the dead mapper's "
                + "mapping");
        assertEquals(0, a.busy(FIRST_REF + 2), "the dead mapper's pin");

        // the granter dies while B maps its grant
        GrantDomain granter = create();
        granter.grant(FIRST_REF, b.domid(), granter.data(0), false);
        GrantDomain.Mapped orphan = b.map(granter.domid(), FIRST_REF, HOST, 0x3000);
        assertEquals(OKAY, orphan.status(), "map of the doomed granter's grant");
        MappedFrame gone = frameOf(b, orphan.handle());
        hypervisor.destroyDomain(granter.dom);
        domains.remove(granter.dom);
        allAccessesRefused(gone, "after the granter's death");
    }

    // ------------------------------------------------------------------------------------------ GNT-36

    /**
     * Rule {@linkplain GrantRules GNT-36}: an access in flight keeps the grant pinned until it returns. A thread (the
     * mapper's) is blocked in a channel transfer through the mapping (a write of the frame to a full pipe, a read from
     * an empty pipe into the frame) while the mapping is unmapped, or the mapper destroyed: the entry keeps GTF_reading
     * (and GTF_writing for a writable mapping) and the granter cannot revoke, until the transfer returned; the transfer
     * completes (a read lands in the granter's frame); once the implementation settled, the entry is idle, the granter
     * can revoke and the mapping refuses accesses.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>a transfer registers itself with the mapping (enters) before it touches the frame and leaves after the
     *       channel returned, and the release that finds it in flight defers dropping the pins instead of dropping
     *       them or failing;</li>
     *   <li>the last transfer to leave (or {@link #settle}) completes the deferred release: pins, busy bits and
     *       handle;</li>
     *   <li>a transfer does not copy through a private buffer and write the frame after the channel returned.</li>
     * </ul>
     *
     * @throws Exception when the pipe or the wait for the I/O fails
     */
    @Test
    public void required_GNT_36_accessInFlightKeepsTheGrantPinned() throws Exception {
        int ref = FIRST_REF;
        for (InFlightAccess.Kind kind : InFlightAccess.Kind.values()) {
            for (boolean readOnly : new boolean[] {false, true}) {
                if (readOnly && kind == InFlightAccess.Kind.READ_FROM_CHANNEL) {
                    continue; // a read into a read-only mapping is refused (GNT-34)
                }
                long gfn = a.data(ref - FIRST_REF);
                a.fillFrame(gfn, (byte) 0x24);
                a.grant(ref, b.domid(), gfn, readOnly);
                int r = ref;
                GrantDomain.Mapped[] m = new GrantDomain.Mapped[1];
                String what = (kind == InFlightAccess.Kind.WRITE_TO_CHANNEL ? "a write of the frame to a pipe"
                        : "a read from a pipe into the frame") + " through a " + (readOnly ? "read-only" : "writable")
                        + " mapping";
                byte[] data = new byte[100];
                java.util.Arrays.fill(data, (byte) 0xC3);
                MappedFrame f;
                try (InFlightAccess io = InFlightAccess.start(kind, 1000, PAGE - 1000, () -> {
                    m[0] = b.map(a.domid(), r, HOST | (readOnly ? RO : 0), 0x1000);
                    return m[0].status() == OKAY ? mappedFrame(hypervisor, b.dom, m[0].handle()) : null;
                })) {
                    assertEquals(OKAY, m[0].status(), "map of the grant");
                    f = io.frame();
                    Assumptions.assumeTrue(f != null, "the implementation has no in-process access to host mappings");
                    int pinned = readOnly ? GrantFlags.READING : BUSY;
                    assertEquals(pinned, a.busy(r), "the busy bits while " + what + " is in flight");
                    assertEquals(OKAY, b.unmap(m[0].handle(), 0x1000, 0), "unmap while " + what + " is in flight");
                    assertEquals(pinned, a.busy(r), "the pin was dropped while " + what + " is still in flight");
                    assertFalse(a.revoke(r), "the granter revoked a page that " + what + " still uses");
                    int moved = io.finish(data);
                    if (kind == InFlightAccess.Kind.READ_FROM_CHANNEL) {
                        assertEquals(data.length, moved, "bytes read into the frame by the transfer in flight");
                        for (int k = 0; k < PAGE; k++) {
                            int want = k >= 1000 && k < 1000 + data.length ? 0xC3 : 0x24;
                            assertEquals((byte) want, a.byteAt(gfn, k), "byte " + k + " of A's frame after " + what
                                    + " completed");
                        }
                    } else {
                        assertTrue(moved > 0, "bytes written by the transfer in flight: " + moved);
                    }
                }
                settle(hypervisor);
                assertEquals(0, a.busy(r), "the pin leaked: the entry is still busy after " + what + " completed");
                MemorySegment one = MemorySegment.ofArray(new byte[1]);
                assertThrows(RuntimeException.class, () -> f.copyTo(0, one, 0, 1), "the mapping is still usable after "
                        + "its unmap and the end of " + what);
                assertTrue(a.revoke(r), "the granter can revoke after " + what + " completed");
                ref++;
            }
        }

        // the mapper dies while a write through its mapping is in flight
        int r = ref;
        a.grant(r, c.domid(), a.data(r - FIRST_REF), false);
        GrantDomain.Mapped[] held = new GrantDomain.Mapped[1];
        try (InFlightAccess io = InFlightAccess.start(InFlightAccess.Kind.WRITE_TO_CHANNEL, 0, PAGE, () -> {
            held[0] = c.map(a.domid(), r, HOST, 0x2000);
            return held[0].status() == OKAY ? mappedFrame(hypervisor, c.dom, held[0].handle()) : null;
        })) {
            assertEquals(OKAY, held[0].status(), "map by C");
            assertNotNull(io.frame(), "the mapped frame of a live host mapping");
            domains.remove(c.dom);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread destroyer = Thread.ofPlatform().daemon().name("pvkit-kit-destroy").start(() -> {
                try {
                    hypervisor.destroyDomain(c.dom);
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            for (int i = 0; i < 50 && destroyer.isAlive(); i++) {
                assertEquals(BUSY, a.busy(r), "the dying mapper's pin was dropped while a write through its mapping "
                        + "is in flight");
                Thread.sleep(2);
            }
            assertEquals(BUSY, a.busy(r), "the dying mapper's pin was dropped while a write through its mapping is in "
                    + "flight");
            io.finish(new byte[0]);
            destroyer.join(Duration.ofSeconds(20));
            assertFalse(destroyer.isAlive(), "destroying the mapper never completed after its write completed");
            assertNull(failure.get(), "destroying the mapper threw");
        }
        settle(hypervisor);
        assertEquals(0, a.busy(r), "the dead mapper's pin leaked");
        assertTrue(a.revoke(r), "the granter can revoke after the dead mapper's write completed");
    }

    // ------------------------------------------------------------------------------------------ helpers

    /** Accessors asked for (twice) with the handle of an ended mapping are none, or refuse every access. */
    private void staleHandleReachesNothing(GrantDomain mapper, int handle, String when) throws IOException {
        for (int ask = 0; ask < 2; ask++) {
            MappedFrame stale = mappedFrame(hypervisor, mapper.dom, handle);
            if (stale != null) {
                allAccessesRefused(stale, when + ", through accessors asked for with the ended mapping's handle");
            }
        }
    }
}
