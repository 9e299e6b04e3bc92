package io.pvkit.conformance.grant;

import io.pvkit.abi.grant.GntCopy;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GnttabCopyLayout;
import io.pvkit.abi.grant.GnttabMapGrantRefLayout;
import io.pvkit.abi.grant.GnttabSetupTableLayout;
import io.pvkit.abi.grant.GnttabSwapGrantRefLayout;
import io.pvkit.abi.grant.GnttabUnmapGrantRefLayout;
import io.pvkit.abi.grant.GrantEntryV1Layout;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.grant.GrantStatus;
import io.pvkit.abi.grant.GrantTableOp;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.conformance.grant.GrantTableVerificationSelfTest.BrokenVerification;
import io.pvkit.conformance.grant.GrantTableVerificationSelfTest.Buggy;
import io.pvkit.conformance.grant.GrantTableVerificationSelfTest.BuggyVerification;
import io.pvkit.conformance.spi.HypervisorUnderTest;
import io.pvkit.grant.PinCounts;
import io.pvkit.grant.TableSize;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The broken implementations that the checks added for the kit's mutation score on pv-grant catch and the kit before
 * them did not: a table that grows (GNT-24), a teardown of more mappings than one step releases (GNT-14), pins of
 * mixed kinds (GNT-04), swap_grant_ref (GNT-31), device-only pins (GNT-02), ids past a table of domains (GNT-23), a
 * pinned entry written by a use (GNT-06), frame 0 as a copy side (GNT-27), copies at the pin bound (GNT-29), source
 * offsets (GNT-10), an exception hidden behind the right status (the {@code unexpectedErrors} hook);
 * each a pv-grant hypervisor with one bug, listed in {@link GrantTableVerificationSelfTest#brokenImplementations()}.
 * Not test classes themselves (nested, so no runner selects them).
 */
final class TableBugs {
    private static final int PER_FRAME = GrantEntryV1Layout.ENTRIES_PER_FRAME;
    private static final int BUSY = GrantFlags.READING | GrantFlags.WRITING;

    private TableBugs() {
    }

    private static void refuse(GuestMemory m, long statusGpa, GrantStatus st) {
        m.setShort(statusGpa, (short) st.code());
    }

    // ------------------------------------------------------------------------------------------ GNT-24

    /**
     * GNT-24: the per-entry state grows only for a reference beyond its end ({@code ref > length} instead of
     * {@code >=}), so the first reference of the second table frame, 512, is looked up past the array and fails
     * with a general error. The kit used reference 520 of the second frame before.
     */
    static final class FirstRefOfSecondFrameFails extends BuggyVerification {
        FirstRefOfSecondFrameFails() {
            super((b, c, cmd, uops, count) -> {
                GuestMemory m = c.memory();
                if (count != 1) {
                    return b.real(c, cmd, uops, count);
                }
                long refAt;
                long statusAt;
                int granter;
                if (is(cmd, GrantTableOp.MAP_GRANT_REF)) {
                    refAt = uops + GnttabMapGrantRefLayout.REF_OFFSET;
                    statusAt = uops + GnttabMapGrantRefLayout.STATUS_OFFSET;
                    granter = Short.toUnsignedInt(m.getShort(uops + GnttabMapGrantRefLayout.DOM_OFFSET));
                } else if (is(cmd, GrantTableOp.COPY)
                        && (m.getShort(uops + GnttabCopyLayout.FLAGS_OFFSET) & GntCopy.SOURCE_GREF) != 0) {
                    refAt = uops + GnttabCopyLayout.SOURCE_OFFSET + GnttabCopyLayout.PTR_U_OFFSET;
                    statusAt = uops + GnttabCopyLayout.STATUS_OFFSET;
                    granter = Short.toUnsignedInt(m.getShort(uops + GnttabCopyLayout.SOURCE_OFFSET
                            + GnttabCopyLayout.PTR_DOMID_OFFSET));
                } else {
                    return b.real(c, cmd, uops, count);
                }
                TableSize size = b.tables.querySize(granter, granter);
                if (m.getInt(refAt) == PER_FRAME && size.ok() && size.nrFrames() >= 2) {
                    refuse(m, statusAt, GrantStatus.GENERAL_ERROR);
                    return 0;
                }
                return b.real(c, cmd, uops, count);
            });
        }
    }

    /**
     * GNT-24: growing the table replaces the per-entry state without copying it, so an entry of the first frame
     * pinned before {@code setup_table} grew the table has lost its pins: its later unmap fails (the pin count would
     * go below zero) and leaves the entry busy. Emulated over pv-grant by refusing the unmap of every mapping that
     * was live when its granter's table grew. The kit grew tables only with nothing mapped before.
     */
    static final class GrowthDropsPins extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
                /** (mapper, handle) of the mappings whose pins the growth dropped. */
                final Set<Long> forgotten = new HashSet<>();

                @Override
                long bug(HypercallContext c, long cmd, long uops, long count) {
                    GuestMemory m = c.memory();
                    if (count == 1 && is(cmd, GrantTableOp.UNMAP_GRANT_REF)) {
                        long key = ((long) c.domid() << 32)
                                | (m.getInt(uops + GnttabUnmapGrantRefLayout.HANDLE_OFFSET) & 0xFFFFFFFFL);
                        if (forgotten.contains(key)) {
                            refuse(m, uops + GnttabUnmapGrantRefLayout.STATUS_OFFSET, GrantStatus.GENERAL_ERROR);
                            return 0;
                        }
                        return real(c, cmd, uops, count);
                    }
                    if (count != 1 || !is(cmd, GrantTableOp.SETUP_TABLE)) {
                        return real(c, cmd, uops, count);
                    }
                    int dom = Short.toUnsignedInt(m.getShort(uops + GnttabSetupTableLayout.DOM_OFFSET));
                    int target = dom == io.pvkit.abi.DomId.SELF ? c.domid() : dom;
                    TableSize before = tables.querySize(target, target);
                    long rc = real(c, cmd, uops, count);
                    TableSize after = tables.querySize(target, target);
                    if (before.ok() && after.ok() && after.nrFrames() > before.nrFrames()) {
                        for (Map.Entry<Long, long[]> e : maps.entrySet()) {
                            int mapper = (int) (e.getKey() >>> 32);
                            int handle = (int) (long) e.getKey();
                            if (e.getValue()[0] == target && e.getValue()[1] < PER_FRAME
                                    && tables.segmentOf(mapper, handle) != null) {
                                forgotten.add(e.getKey());
                            }
                        }
                    }
                    return rc;
                }
            };
        }
    }

    // ------------------------------------------------------------------------------------------ GNT-14

    /** Whether any entry of {@code domid}'s table is pinned (mapped or copied by someone). */
    static boolean anyPinned(PvGrantHypervisor hv, int domid) {
        for (int ref = 0; ref < PvGrantHypervisor.TABLE_FRAMES * PER_FRAME; ref++) {
            if (hv.tables.pins(domid, ref).total() > 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * pv-grant whose teardown stops calling {@code releaseDomain} (and reports the domain gone) as soon as
     * {@code stop} holds after a step that was not the last.
     */
    static PvGrantHypervisor teardownStoppingWhen(java.util.function.BiPredicate<PvGrantHypervisor, Integer> stop) {
        PvGrantHypervisor hv = new PvGrantHypervisor() {
            @Override
            void release(int domid) {
                while (!tables.releaseDomain(domid, 8)) {
                    if (stop.test(this, domid)) {
                        return;
                    }
                    tables.reap();
                }
            }
        };
        hv.keepMemory = true; // the mappings left behind still alias the dead domain's or its granters' memory
        return hv;
    }

    /**
     * GNT-14: the teardown's "done" test forgets the mappings of the domain's grants that others hold, so a dying
     * granter whose grants are mapped more often than one step releases, and that maps nothing itself, is reported
     * gone with the rest of them still live (their handles keep working). The kit's dying domains before held
     * mappings of their own until the last step.
     */
    static final class TeardownDoneWhileItsGrantsAreMapped extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return teardownStoppingWhen((hv, domid) -> hv.tables.mappingCount(domid) == 0 && anyPinned(hv, domid));
        }
    }

    /**
     * GNT-14: the teardown's "done" test forgets the mappings the domain holds itself, so a dying mapper that holds
     * more mappings than one step releases, and none of whose grants is mapped, is reported gone with the rest still
     * pinning its granters' entries. The kit's dying domains before had a grant mapped by another domain until the
     * last step.
     */
    static final class TeardownDoneWhileItHoldsMappings extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return teardownStoppingWhen((hv, domid) -> hv.tables.mappingCount(domid) > 0 && !anyPinned(hv, domid));
        }
    }

    // ------------------------------------------------------------------------------------------ GNT-04

    /**
     * GNT-04: a writable map of an entry that is pinned, but only read-only, skips the compare-and-swap that sets
     * GTF_writing (as if the entry's first pin had set every bit), so the granter sees a writable mapping as read-only.
     * The kit mapped writable before read-only only.
     */
    static final class UpgradeLeavesWritingClear extends BuggyVerification {
        UpgradeLeavesWritingClear() {
            super((b, c, cmd, uops, count) -> {
                GuestMemory m = c.memory();
                if (count != 1 || !is(cmd, GrantTableOp.MAP_GRANT_REF)
                        || (m.getInt(uops + GnttabMapGrantRefLayout.FLAGS_OFFSET) & GntMap.READONLY) != 0) {
                    return b.real(c, cmd, uops, count);
                }
                int granter = Short.toUnsignedInt(m.getShort(uops + GnttabMapGrantRefLayout.DOM_OFFSET));
                long ref = Integer.toUnsignedLong(m.getInt(uops + GnttabMapGrantRefLayout.REF_OFFSET));
                PvGrantHypervisor.Dom g = b.dom(granter);
                boolean readOnlyPinned = g != null && ref < PER_FRAME
                        && (g.memory.getIntVolatile(b.entry(granter, ref)) & BUSY) == GrantFlags.READING;
                long rc = b.real(c, cmd, uops, count);
                if (readOnlyPinned && m.getShort(uops + GnttabMapGrantRefLayout.STATUS_OFFSET) == 0) {
                    b.clearBits(granter, ref, GrantFlags.WRITING);
                }
                return rc;
            });
        }
    }

    /**
     * GNT-04: the unmap of a writable host mapping clears GTF_writing once no writable host mapping is left, forgetting
     * the writable device mappings of other handles (the device part of the same handle is counted). The kit had
     * writable device uses only in the handle being unmapped before.
     */
    static final class DeviceWritersOfOtherHandlesForgotten extends BuggyVerification {
        DeviceWritersOfOtherHandlesForgotten() {
            super((b, c, cmd, uops, count) -> {
                GuestMemory m = c.memory();
                if (count != 1 || !is(cmd, GrantTableOp.UNMAP_GRANT_REF)) {
                    return b.real(c, cmd, uops, count);
                }
                long[] mapped = b.maps.get(((long) c.domid() << 32)
                        | (m.getInt(uops + GnttabUnmapGrantRefLayout.HANDLE_OFFSET) & 0xFFFFFFFFL));
                long rc = b.real(c, cmd, uops, count);
                if (mapped != null && mapped[2] == 0 && mapped[3] == 0
                        && m.getShort(uops + GnttabUnmapGrantRefLayout.STATUS_OFFSET) == 0) {
                    PinCounts p = b.tables.pins((int) mapped[0], (int) mapped[1]);
                    if (p.hostWrite() == 0 && p.deviceWrite() > 0) {
                        b.clearBits((int) mapped[0], mapped[1], GrantFlags.WRITING);
                    }
                }
                return rc;
            });
        }
    }

    // ------------------------------------------------------------------------------------------ GNT-31

    /** Swaps the two entries of {@code domid}'s table (its first frame), as a whole, in its memory. */
    static void swapEntries(Buggy hv, int domid, long refA, long refB) {
        GuestMemory g = hv.dom(domid).memory;
        long ea = g.getLong(hv.entry(domid, refA));
        g.setLong(hv.entry(domid, refA), g.getLong(hv.entry(domid, refB)));
        g.setLong(hv.entry(domid, refB), ea);
    }

    /**
     * GNT-31: swap_grant_ref does not look at the pins: entries in use are swapped too (a mapped grant moves under
     * its mapper). The kit called swap_grant_ref only with a bad reference before.
     */
    static final class SwapIgnoresPins extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
                @Override
                long bug(HypercallContext c, long cmd, long uops, long count) {
                    long rc = real(c, cmd, uops, count);
                    GuestMemory m = c.memory();
                    if (count == 1 && is(cmd, GrantTableOp.SWAP_GRANT_REF)
                            && m.getShort(uops + GnttabSwapGrantRefLayout.STATUS_OFFSET) == GrantStatus.EAGAIN.code()) {
                        swapEntries(this, c.domid(), Integer.toUnsignedLong(m.getInt(uops + GnttabSwapGrantRefLayout.REF_A_OFFSET)),
                                Integer.toUnsignedLong(m.getInt(uops + GnttabSwapGrantRefLayout.REF_B_OFFSET)));
                        m.setShort(uops + GnttabSwapGrantRefLayout.STATUS_OFFSET, (short) 0);
                    }
                    return rc;
                }
            };
        }
    }

    /**
     * GNT-31: swap_grant_ref range-checks only its first reference; a second one beyond the table is answered okay
     * (and nothing is swapped). The kit's bad swaps had the bad reference first before.
     */
    static final class SwapChecksOnlyRefA extends BuggyVerification {
        SwapChecksOnlyRefA() {
            super((b, c, cmd, uops, count) -> {
                long rc = b.real(c, cmd, uops, count);
                GuestMemory m = c.memory();
                if (count == 1 && is(cmd, GrantTableOp.SWAP_GRANT_REF)
                        && m.getShort(uops + GnttabSwapGrantRefLayout.STATUS_OFFSET) == GrantStatus.BAD_GNTREF.code()
                        && Integer.toUnsignedLong(m.getInt(uops + GnttabSwapGrantRefLayout.REF_A_OFFSET)) < PER_FRAME) {
                    m.setShort(uops + GnttabSwapGrantRefLayout.STATUS_OFFSET, (short) 0);
                }
                return rc;
            });
        }
    }

    // ------------------------------------------------------------------------------------------ GNT-02, GNT-23

    /**
     * GNT-02: the "is this entry pinned" test adds the host counters only, so an entry the grantee pins with a
     * device mapping alone looks idle, and another domain's map of it is not refused (it gets a mapping of a frame it
     * was never granted). Emulated over pv-grant by answering such a refused map with success. The kit pinned
     * entries with host mappings only before another domain tried.
     */
    static final class DevicePinLooksIdle extends BuggyVerification {
        DevicePinLooksIdle() {
            super((b, c, cmd, uops, count) -> {
                long rc = b.real(c, cmd, uops, count);
                GuestMemory m = c.memory();
                if (count == 1 && is(cmd, GrantTableOp.MAP_GRANT_REF)
                        && m.getShort(uops + GnttabMapGrantRefLayout.STATUS_OFFSET) == GrantStatus.GENERAL_ERROR.code()) {
                    int granter = Short.toUnsignedInt(m.getShort(uops + GnttabMapGrantRefLayout.DOM_OFFSET));
                    int ref = m.getInt(uops + GnttabMapGrantRefLayout.REF_OFFSET);
                    PinCounts p = b.tables.pins(granter, ref);
                    boolean byAnother = b.maps.entrySet().stream().anyMatch(e -> (int) (e.getKey() >>> 32) != c.domid()
                            && e.getValue()[0] == granter && e.getValue()[1] == Integer.toUnsignedLong(ref));
                    if (byAnother && p.hostRead() + p.hostWrite() == 0 && p.deviceRead() + p.deviceWrite() > 0) {
                        m.setShort(uops + GnttabMapGrantRefLayout.STATUS_OFFSET, (short) 0);
                        m.setInt(uops + GnttabMapGrantRefLayout.HANDLE_OFFSET, 0x7FFF_FFF0);
                    }
                }
                return rc;
            });
        }
    }

    /**
     * GNT-23: the table of domains is indexed with an id equal to its length (8 entries here) without a range check,
     * so a map naming that id fails with a general error instead of {@code GNTST_bad_domain}. The kit named only
     * 0x7FEF and DOMID_SELF as unknown granters before.
     */
    static final class GranterPastTheDomainTableIsGeneralError extends BuggyVerification {
        GranterPastTheDomainTableIsGeneralError() {
            super((b, c, cmd, uops, count) -> {
                GuestMemory m = c.memory();
                if (count == 1 && is(cmd, GrantTableOp.MAP_GRANT_REF)
                        && m.getShort(uops + GnttabMapGrantRefLayout.DOM_OFFSET) == 8 && b.dom(8) == null) {
                    refuse(m, uops + GnttabMapGrantRefLayout.STATUS_OFFSET, GrantStatus.GENERAL_ERROR);
                    return 0;
                }
                return b.real(c, cmd, uops, count);
            });
        }
    }

    // ------------------------------------------------------------------------------------------ unexpectedErrors

    /**
     * GNT-08, through the {@code unexpectedErrors} hook: a handle whose index lies beyond the maptrack's slots is
     * looked up past the end of its array, and a catch-all answers the exception with the right status,
     * {@code GNTST_bad_handle}, reporting it to the error handler. The guest sees nothing wrong; the kit before
     * asked no implementation what it had caught.
     */
    static final class HiddenLookupFailure extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
                @Override
                long bug(HypercallContext c, long cmd, long uops, long count) {
                    long rc = real(c, cmd, uops, count);
                    GuestMemory m = c.memory();
                    if (count == 1 && is(cmd, GrantTableOp.UNMAP_GRANT_REF)) {
                        int handle = m.getInt(uops + GnttabUnmapGrantRefLayout.HANDLE_OFFSET);
                        if (handle >= 0 && (handle & MaptrackBugs.indexMask()) >= PvGrantConformanceTest.MAPTRACK_LIMIT
                                && m.getShort(uops + GnttabUnmapGrantRefLayout.STATUS_OFFSET) == GrantStatus.BAD_HANDLE.code()) {
                            reportError(new ArrayIndexOutOfBoundsException("Index " + (handle & MaptrackBugs.indexMask())
                                    + " out of bounds for length " + PvGrantConformanceTest.MAPTRACK_LIMIT));
                        }
                    }
                    return rc;
                }
            };
        }

        @Override
        protected List<Throwable> unexpectedErrors(HypervisorUnderTest hypervisor) {
            return ((PvGrantHypervisor) hypervisor).errors();
        }
    }

    // ------------------------------------------------------------------------------------------ GNT-06, 27, 29

    /**
     * GNT-06: a copy of an entry that is already pinned does the entry's compare-and-swap again, which only sets
     * GTF_reading, so a granter that cleared GTF_reading (or rewrote the entry) while the entry is pinned finds the bit
     * set again by a use that should act on the snapshot alone. The kit checked the statuses and bytes of such copies,
     * not the shared entry, before.
     */
    static final class PinnedCopyRewritesTheEntry extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
                @Override
                long bug(HypercallContext c, long cmd, long uops, long count) {
                    GuestMemory m = c.memory();
                    if (count != 1 || !is(cmd, GrantTableOp.COPY)
                            || (m.getShort(uops + GnttabCopyLayout.FLAGS_OFFSET) & GntCopy.SOURCE_GREF) == 0) {
                        return real(c, cmd, uops, count);
                    }
                    int granter = Short.toUnsignedInt(m.getShort(uops + GnttabCopyLayout.SOURCE_OFFSET
                            + GnttabCopyLayout.PTR_DOMID_OFFSET));
                    long ref = Integer.toUnsignedLong(m.getInt(uops + GnttabCopyLayout.SOURCE_OFFSET
                            + GnttabCopyLayout.PTR_U_OFFSET));
                    boolean pinned = dom(granter) != null && ref < PER_FRAME && tables.pins(granter, (int) ref).total() > 0;
                    long rc = real(c, cmd, uops, count);
                    if (pinned && m.getShort(uops + GnttabCopyLayout.STATUS_OFFSET) == 0) {
                        dom(granter).memory.getAndBitwiseOrInt(entry(granter, ref), GrantFlags.READING);
                    }
                    return rc;
                }
            };
        }
    }

    /**
     * GNT-27: a copy side given as the caller's frame 0 is refused as a bad page ({@code frame <= 0} instead of
     * {@code frame < 0}). The kit's frame sides avoided frame 0 before.
     */
    static final class FrameZeroIsBadPage extends BuggyVerification {
        FrameZeroIsBadPage() {
            super((b, c, cmd, uops, count) -> {
                GuestMemory m = c.memory();
                if (count == 1 && is(cmd, GrantTableOp.COPY)
                        && (m.getShort(uops + GnttabCopyLayout.FLAGS_OFFSET) & GntCopy.SOURCE_GREF) == 0
                        && m.getLong(uops + GnttabCopyLayout.SOURCE_OFFSET + GnttabCopyLayout.PTR_U_OFFSET) == 0) {
                    refuse(m, uops + GnttabCopyLayout.STATUS_OFFSET, GrantStatus.BAD_PAGE);
                    return 0;
                }
                return b.real(c, cmd, uops, count);
            });
        }
    }

    /**
     * GNT-29: copies are not held to the pin counters' bound (only maps are), so a copy from an entry with 128
     * read-only host mappings, or into one with 128 writable ones, goes ahead where Xen's shared host counter refuses
     * it. Emulated over pv-grant by answering such a refused copy with success. The kit did not copy at the bound
     * before.
     */
    static final class CopyIgnoresPinBound extends BuggyVerification {
        CopyIgnoresPinBound() {
            super((b, c, cmd, uops, count) -> {
                long rc = b.real(c, cmd, uops, count);
                GuestMemory m = c.memory();
                if (count != 1 || !is(cmd, GrantTableOp.COPY)
                        || m.getShort(uops + GnttabCopyLayout.STATUS_OFFSET) != GrantStatus.GENERAL_ERROR.code()) {
                    return rc;
                }
                int flags = m.getShort(uops + GnttabCopyLayout.FLAGS_OFFSET);
                long side = (flags & GntCopy.SOURCE_GREF) != 0 ? GnttabCopyLayout.SOURCE_OFFSET
                        : (flags & GntCopy.DEST_GREF) != 0 ? GnttabCopyLayout.DEST_OFFSET : -1;
                if (side >= 0) {
                    int granter = Short.toUnsignedInt(m.getShort(uops + side + GnttabCopyLayout.PTR_DOMID_OFFSET));
                    PinCounts p = b.tables.pins(granter, m.getInt(uops + side + GnttabCopyLayout.PTR_U_OFFSET));
                    if (Math.max(p.hostRead(), p.hostWrite()) >= MaptrackChecks.PINS_PER_KIND) {
                        m.setShort(uops + GnttabCopyLayout.STATUS_OFFSET, (short) 0);
                    }
                }
                return rc;
            });
        }
    }

    // ------------------------------------------------------------------------------------------ GNT-10

    /**
     * GNT-10: a copy from a grant ignores its source offset (it reads from the start of the granted frame); the kit's
     * valid copies all started at source offset 0 before.
     */
    static final class CopyIgnoresSourceOffset extends BuggyVerification {
        CopyIgnoresSourceOffset() {
            super((b, c, cmd, uops, count) -> {
                GuestMemory m = c.memory();
                long at = uops + GnttabCopyLayout.SOURCE_OFFSET + GnttabCopyLayout.PTR_OFFSET_OFFSET;
                if (count != 1 || !is(cmd, GrantTableOp.COPY)
                        || (m.getShort(uops + GnttabCopyLayout.FLAGS_OFFSET) & GntCopy.SOURCE_GREF) == 0) {
                    return b.real(c, cmd, uops, count);
                }
                short offset = m.getShort(at);
                int len = Short.toUnsignedInt(m.getShort(uops + GnttabCopyLayout.LEN_OFFSET));
                if (offset == 0 || Short.toUnsignedInt(offset) + len > GuestMemory.PAGE_SIZE) {
                    return b.real(c, cmd, uops, count);
                }
                m.setShort(at, (short) 0);
                long rc = b.real(c, cmd, uops, count);
                m.setShort(at, offset);
                return rc;
            });
        }
    }
}
