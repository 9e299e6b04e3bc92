package io.pvkit.conformance.grant;

import io.pvkit.abi.grant.GntCopy;
import io.pvkit.abi.grant.GnttabCopyLayout;
import io.pvkit.abi.grant.GnttabMapGrantRefLayout;
import io.pvkit.abi.grant.GnttabUnmapGrantRefLayout;
import io.pvkit.abi.grant.GrantStatus;
import io.pvkit.abi.grant.GrantTableOp;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.conformance.grant.GrantTableVerificationSelfTest.BrokenVerification;
import io.pvkit.conformance.grant.GrantTableVerificationSelfTest.Buggy;
import io.pvkit.conformance.grant.GrantTableVerificationSelfTest.BuggyVerification;
import io.pvkit.grant.PinCounts;

import java.util.HashMap;
import java.util.Map;

/**
 * The broken maptracks and pin counters that GNT-09 (with the conformance classes' maptrack limit above 64 and its
 * check of a maptrack whose every slot was freed), GNT-29, GNT-30 and GNT-19's host+device mappings catch and the kit
 * before them did not; each a pv-grant hypervisor with one bug in its grant_table_op path, listed in
 * {@link GrantTableVerificationSelfTest#brokenImplementations()}. Not test classes themselves (nested, so no runner
 * selects them).
 */
final class MaptrackBugs {
    /** How many slots a maptrack starts with (pv-grant's initial capacity), which the bugs below never exceed. */
    static final int INITIAL_SLOTS = 64;

    private MaptrackBugs() {
    }

    private static short status(GuestMemory m, long uops, long offset) {
        return m.getShort(uops + offset);
    }

    /** Undoes a map the real implementation made and reports {@code GNTST_no_space} instead. */
    private static void refuseAsFull(PvGrantHypervisor hv, HypercallContext c, long uops) {
        GuestMemory m = c.memory();
        hv.tables.unmap(c.domid(), m.getInt(uops + GnttabMapGrantRefLayout.HANDLE_OFFSET));
        m.setShort(uops + GnttabMapGrantRefLayout.STATUS_OFFSET, (short) GrantStatus.NO_SPACE.code());
        m.setInt(uops + GnttabMapGrantRefLayout.HANDLE_OFFSET, -1);
    }

    // ------------------------------------------------------------------------------------------ GNT-09

    /** GNT-09: the maptrack never grows beyond its initial 64 slots, whatever limit it declares. */
    static final class MaptrackNeverGrows extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
                @Override
                long bug(HypercallContext c, long cmd, long uops, long count) {
                    long rc = real(c, cmd, uops, count);
                    if (is(cmd, GrantTableOp.MAP_GRANT_REF) && count == 1
                            && status(c.memory(), uops, GnttabMapGrantRefLayout.STATUS_OFFSET) == 0
                            && tables.mappingCount(c.domid()) > INITIAL_SLOTS) {
                        refuseAsFull(this, c, uops);
                    }
                    return rc;
                }
            };
        }
    }

    /**
     * GNT-09: the free list keeps the 64 entries it started with when the maptrack grows: a slot freed while 64
     * others are free is lost, so once every slot was freed only 64 can be mapped again (the declared limit holds
     * as long as slots are freed one at a time, which is all the kit checked before).
     */
    static final class FreeListDoesNotGrow extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return modelledMaptrack(false);
        }
    }

    /**
     * GNT-09: growing the maptrack drops the free list (a new array without the free slots copied), so slots freed
     * before the growth are lost; the kit before froze no slot until the maptrack was full.
     */
    static final class GrowthDropsFreeSlots extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return modelledMaptrack(true);
        }
    }

    /**
     * pv-grant with a model of a broken maptrack beside it: fresh slots first (growing at 64 and 128), then the free
     * list, which holds at most {@link #INITIAL_SLOTS} entries ({@code dropAtGrowth} false) or is emptied at each
     * growth ({@code dropAtGrowth} true); a map the model cannot place is undone and reported as no space.
     */
    static PvGrantHypervisor modelledMaptrack(boolean dropAtGrowth) {
        return new Buggy() {
            /** Per mapper: {fresh slots taken, slots on the free list}. */
            final Map<Integer, int[]> state = new HashMap<>();

            @Override
            long bug(HypercallContext c, long cmd, long uops, long count) {
                long rc = real(c, cmd, uops, count);
                if (count != 1) {
                    return rc;
                }
                int[] s = state.computeIfAbsent(c.domid(), d -> new int[2]);
                GuestMemory m = c.memory();
                if (is(cmd, GrantTableOp.MAP_GRANT_REF) && status(m, uops, GnttabMapGrantRefLayout.STATUS_OFFSET) == 0) {
                    if (s[0] < PvGrantConformanceTest.MAPTRACK_LIMIT) {
                        if (dropAtGrowth && (s[0] == INITIAL_SLOTS || s[0] == 2 * INITIAL_SLOTS)) {
                            s[1] = 0; // the grown array's free list starts empty
                        }
                        s[0]++;
                    } else if (s[1] > 0) {
                        s[1]--;
                    } else {
                        refuseAsFull(this, c, uops);
                    }
                } else if (is(cmd, GrantTableOp.UNMAP_GRANT_REF)
                        && status(m, uops, GnttabUnmapGrantRefLayout.STATUS_OFFSET) == 0
                        && tables.segmentOf(c.domid(), m.getInt(uops + GnttabUnmapGrantRefLayout.HANDLE_OFFSET)) == null
                        && (dropAtGrowth || s[1] < INITIAL_SLOTS)) {
                    s[1]++; // without dropAtGrowth, a slot freed beyond the 64 the list holds is lost
                }
                return rc;
            }
        };
    }

    // ------------------------------------------------------------------------------------------ GNT-19

    /**
     * GNT-19: when the host part's release is deferred (its view in use by I/O), the device part unmapped with it
     * keeps its pin for ever. Emulated over pv-grant by a hidden device mapping of the same entry, made for the
     * mapper at such an unmap and never unmapped (released only with the mapper).
     */
    static final class DevicePinLeaksWhenHostDeferred extends BuggyVerification {
        DevicePinLeaksWhenHostDeferred() {
            super((b, c, cmd, uops, count) -> {
                GuestMemory m = c.memory();
                if (count != 1 || !is(cmd, GrantTableOp.UNMAP_GRANT_REF)) {
                    return b.real(c, cmd, uops, count);
                }
                int handle = m.getInt(uops + GnttabUnmapGrantRefLayout.HANDLE_OFFSET);
                long[] mapped = b.maps.get(((long) c.domid() << 32) | (handle & 0xFFFFFFFFL));
                java.lang.foreign.MemorySegment view = b.tables.segmentOf(c.domid(), handle);
                long rc = b.real(c, cmd, uops, count);
                if (mapped != null && mapped[3] != 0 && view != null && view.scope().isAlive()
                        && m.getLong(uops + GnttabUnmapGrantRefLayout.DEV_BUS_ADDR_OFFSET) != 0
                        && status(m, uops, GnttabUnmapGrantRefLayout.STATUS_OFFSET) == 0) {
                    b.tables.map(c.domid(), (int) mapped[0], mapped[1],
                            io.pvkit.abi.grant.GntMap.DEVICE_MAP | (mapped[2] != 0 ? io.pvkit.abi.grant.GntMap.READONLY : 0),
                            0);
                }
                return rc;
            });
        }
    }

    // ------------------------------------------------------------------------------------------ GNT-29

    /**
     * GNT-29: the pin counters are not bounded: the map that pv-grant refuses because a counter reached 0x80 is
     * reported as a success (with a handle), as an implementation whose 8-bit counter wraps would answer.
     */
    static final class PinCounterUnchecked extends BuggyVerification {
        PinCounterUnchecked() {
            super((b, c, cmd, uops, count) -> {
                long rc = b.real(c, cmd, uops, count);
                GuestMemory m = c.memory();
                if (is(cmd, GrantTableOp.MAP_GRANT_REF) && count == 1
                        && status(m, uops, GnttabMapGrantRefLayout.STATUS_OFFSET) == GrantStatus.GENERAL_ERROR.code()) {
                    int granter = Short.toUnsignedInt(m.getShort(uops + GnttabMapGrantRefLayout.DOM_OFFSET));
                    PinCounts p = b.tables.pins(granter, m.getInt(uops + GnttabMapGrantRefLayout.REF_OFFSET));
                    if (Math.max(Math.max(p.hostRead(), p.hostWrite()), Math.max(p.deviceRead(), p.deviceWrite()))
                            >= MaptrackChecks.PINS_PER_KIND) {
                        m.setShort(uops + GnttabMapGrantRefLayout.STATUS_OFFSET, (short) 0);
                        m.setInt(uops + GnttabMapGrantRefLayout.HANDLE_OFFSET, 0x7FFF_FFF0);
                    }
                }
                return rc;
            });
        }
    }

    /**
     * GNT-29: a map or a copy is refused while <em>any</em> pin counter of the entry is at 0x80, not only the counters
     * it would add to (pv-grant before session 6; Xen before 4.15's {@code GNTPIN_incr2oflow_mask}): an entry with 128
     * read-only host mappings refuses a writable host mapping, every device mapping and a copy into it, all of which
     * Xen allows. Emulated over pv-grant by refusing such an element before it runs. The kit checked only the
     * refused kind and copy direction before.
     */
    static final class AnyCounterAtItsBoundRefuses extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
                @Override
                long bug(HypercallContext c, long cmd, long uops, long count) {
                    GuestMemory m = c.memory();
                    if (count != 1) {
                        return real(c, cmd, uops, count);
                    }
                    if (is(cmd, GrantTableOp.MAP_GRANT_REF)) {
                        if (anyAtBound(Short.toUnsignedInt(m.getShort(uops + GnttabMapGrantRefLayout.DOM_OFFSET)),
                                m.getInt(uops + GnttabMapGrantRefLayout.REF_OFFSET))) {
                            m.setShort(uops + GnttabMapGrantRefLayout.STATUS_OFFSET,
                                    (short) GrantStatus.GENERAL_ERROR.code());
                            m.setInt(uops + GnttabMapGrantRefLayout.HANDLE_OFFSET, -1);
                            return 0;
                        }
                    } else if (is(cmd, GrantTableOp.COPY)) {
                        int flags = m.getShort(uops + GnttabCopyLayout.FLAGS_OFFSET);
                        if (((flags & GntCopy.SOURCE_GREF) != 0
                                        && sideAtBound(m, uops + GnttabCopyLayout.SOURCE_OFFSET))
                                || ((flags & GntCopy.DEST_GREF) != 0
                                        && sideAtBound(m, uops + GnttabCopyLayout.DEST_OFFSET))) {
                            m.setShort(uops + GnttabCopyLayout.STATUS_OFFSET, (short) GrantStatus.GENERAL_ERROR.code());
                            return 0;
                        }
                    }
                    return real(c, cmd, uops, count);
                }

                private boolean sideAtBound(GuestMemory m, long side) {
                    return anyAtBound(Short.toUnsignedInt(m.getShort(side + GnttabCopyLayout.PTR_DOMID_OFFSET)),
                            m.getInt(side + GnttabCopyLayout.PTR_U_OFFSET));
                }

                private boolean anyAtBound(int granter, int ref) {
                    PinCounts p = tables.pins(granter, ref);
                    return Math.max(Math.max(Math.max(p.hostRead(), p.hostWrite()), Math.max(p.deviceRead(),
                            p.deviceWrite())), Math.max(p.copyRead(), p.copyWrite())) >= MaptrackChecks.PINS_PER_KIND;
                }
            };
        }
    }

    // ------------------------------------------------------------------------------------------ GNT-30

    /**
     * GNT-30: a handle is the bare maptrack index (as in Xen), so the handle of an unmapped mapping names whatever
     * mapping reuses its slot. Emulated over pv-grant by handing out only the index bits of its handles and
     * translating an index back to the slot's newest handle at unmap.
     */
    static final class HandleWithoutGeneration extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return generationBits(0);
        }
    }

    /** GNT-30: a handle keeps one bit of its slot's generation, so the handle of a slot reused twice repeats. */
    static final class OneGenerationBit extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return generationBits(1);
        }
    }

    /** The index bits of pv-grant's handles for the conformance classes' maptrack limit. */
    static int indexMask() {
        int limit = PvGrantConformanceTest.MAPTRACK_LIMIT;
        return (1 << (32 - Integer.numberOfLeadingZeros(limit - 1))) - 1;
    }

    /**
     * pv-grant handing out its handles with only {@code bits} of the slot's generation, and translating such a
     * handle back to the slot's newest handle that looks the same at unmap.
     */
    static PvGrantHypervisor generationBits(int bits) {
        int indexMask = indexMask() | (((1 << bits) - 1) << Integer.bitCount(indexMask())); // the bits handed out
        return new Buggy() {
            /** (mapper, index) to the slot's newest full handle. */
            final Map<Long, Integer> newest = new HashMap<>();

            @Override
            long bug(HypercallContext c, long cmd, long uops, long count) {
                GuestMemory m = c.memory();
                if (count == 1 && is(cmd, GrantTableOp.UNMAP_GRANT_REF)) {
                    long h = uops + GnttabUnmapGrantRefLayout.HANDLE_OFFSET;
                    int index = m.getInt(h);
                    Integer full = index >= 0 && (index & ~indexMask) == 0 ? newest.get(((long) c.domid() << 32) | index) : null;
                    if (full != null) {
                        m.setInt(h, full);
                        long rc = real(c, cmd, uops, count);
                        m.setInt(h, index);
                        return rc;
                    }
                    return real(c, cmd, uops, count);
                }
                long rc = real(c, cmd, uops, count);
                if (count == 1 && is(cmd, GrantTableOp.MAP_GRANT_REF)
                        && status(m, uops, GnttabMapGrantRefLayout.STATUS_OFFSET) == 0) {
                    int full = m.getInt(uops + GnttabMapGrantRefLayout.HANDLE_OFFSET);
                    newest.put(((long) c.domid() << 32) | (full & indexMask), full);
                    m.setInt(uops + GnttabMapGrantRefLayout.HANDLE_OFFSET, full & indexMask);
                }
                return rc;
            }
        };
    }

    /**
     * GNT-08: a handle whose index lies beyond the maptrack's slots is looked up past the end of its array, and the
     * failure is reported as a general error instead of a bad handle (the kit's bogus handles had small indices).
     */
    static final class HugeHandleIsGeneralError extends BuggyVerification {
        HugeHandleIsGeneralError() {
            super((b, c, cmd, uops, count) -> {
                long rc = b.real(c, cmd, uops, count);
                GuestMemory m = c.memory();
                if (count == 1 && is(cmd, GrantTableOp.UNMAP_GRANT_REF)) {
                    int handle = m.getInt(uops + GnttabUnmapGrantRefLayout.HANDLE_OFFSET);
                    if (handle >= 0 && (handle & indexMask()) >= PvGrantConformanceTest.MAPTRACK_LIMIT
                            && status(m, uops, GnttabUnmapGrantRefLayout.STATUS_OFFSET) == GrantStatus.BAD_HANDLE.code()) {
                        m.setShort(uops + GnttabUnmapGrantRefLayout.STATUS_OFFSET, (short) GrantStatus.GENERAL_ERROR.code());
                    }
                }
                return rc;
            });
        }
    }

    // ------------------------------------------------------------------ GNT-09: slot reuse, handles past the slots

    /**
     * GNT-09 (and GNT-30): a slot's reuse count shares the handle with the index and is not masked, so the 128th reuse
     * of one slot makes a handle with its top bit set, which the hypercall cannot hand out (a negative handle reads as
     * an error status). Emulated over pv-grant, whose handles are {@code generation << 8 | index} for the conformance
     * limit: a map whose handle has a generation of 128 or more is undone and refused. The kit reused a slot at most
     * a few times before.
     */
    static final class SlotReuseOverflowsTheHandle extends BuggyVerification {
        SlotReuseOverflowsTheHandle() {
            super((b, c, cmd, uops, count) -> {
                long rc = b.real(c, cmd, uops, count);
                GuestMemory m = c.memory();
                if (count == 1 && is(cmd, GrantTableOp.MAP_GRANT_REF)
                        && status(m, uops, GnttabMapGrantRefLayout.STATUS_OFFSET) == 0) {
                    int handle = m.getInt(uops + GnttabMapGrantRefLayout.HANDLE_OFFSET);
                    if ((handle >>> Integer.bitCount(indexMask())) >= 128) {
                        b.tables.unmap(c.domid(), handle);
                        m.setShort(uops + GnttabMapGrantRefLayout.STATUS_OFFSET,
                                (short) GrantStatus.GENERAL_ERROR.code());
                        m.setInt(uops + GnttabMapGrantRefLayout.HANDLE_OFFSET, -1);
                    }
                }
                return rc;
            });
        }
    }

    /**
     * GNT-09: the handle just above every handle issued names the slot where a grown maptrack array ends; its lookup
     * reads past the array, and the failure is reported as a general error instead of a bad handle (the kit's bogus
     * handles were far beyond the slots, or had other generation bits).
     */
    static final class HandlePastTheSlotsIsGeneralError extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
                /** Per mapper, the highest handle issued. */
                final Map<Integer, Integer> highest = new HashMap<>();

                @Override
                long bug(HypercallContext c, long cmd, long uops, long count) {
                    GuestMemory m = c.memory();
                    if (count == 1 && is(cmd, GrantTableOp.UNMAP_GRANT_REF)) {
                        Integer top = highest.get(c.domid());
                        if (top != null && m.getInt(uops + GnttabUnmapGrantRefLayout.HANDLE_OFFSET) == top + 1) {
                            m.setShort(uops + GnttabUnmapGrantRefLayout.STATUS_OFFSET,
                                    (short) GrantStatus.GENERAL_ERROR.code());
                            return 0;
                        }
                        return real(c, cmd, uops, count);
                    }
                    long rc = real(c, cmd, uops, count);
                    if (count == 1 && is(cmd, GrantTableOp.MAP_GRANT_REF)
                            && status(m, uops, GnttabMapGrantRefLayout.STATUS_OFFSET) == 0) {
                        highest.merge(c.domid(), m.getInt(uops + GnttabMapGrantRefLayout.HANDLE_OFFSET), Math::max);
                    }
                    return rc;
                }
            };
        }
    }
}
