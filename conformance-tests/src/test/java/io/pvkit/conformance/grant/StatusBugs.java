package io.pvkit.conformance.grant;

import io.pvkit.abi.DomId;
import io.pvkit.abi.grant.GntCopy;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GnttabCopyLayout;
import io.pvkit.abi.grant.GnttabGetVersionLayout;
import io.pvkit.abi.grant.GnttabMapGrantRefLayout;
import io.pvkit.abi.grant.GnttabQuerySizeLayout;
import io.pvkit.abi.grant.GnttabSetupTableLayout;
import io.pvkit.abi.grant.GnttabUnmapGrantRefLayout;
import io.pvkit.abi.grant.GrantEntryV1Layout;
import io.pvkit.abi.grant.GrantStatus;
import io.pvkit.abi.grant.GrantTableOp;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.conformance.grant.GrantTableVerificationSelfTest.BrokenVerification;
import io.pvkit.conformance.grant.GrantTableVerificationSelfTest.Buggy;
import io.pvkit.conformance.grant.GrantTableVerificationSelfTest.BuggyVerification;
import io.pvkit.conformance.spi.DomainUnderTest;
import io.pvkit.grant.TableSize;

import java.lang.foreign.MemorySegment;

/**
 * The broken implementations that GNT-23 .. GNT-28 catch and the rules before them did not (each a pv-grant
 * hypervisor with one bug in its grant_table_op path); listed in
 * {@link GrantTableVerificationSelfTest#brokenImplementations()}. Not test classes themselves (nested, so no
 * runner selects them).
 */
final class StatusBugs {
    private StatusBugs() {
    }

    private static int u16(GuestMemory m, long gpa) {
        return Short.toUnsignedInt(m.getShort(gpa));
    }

    private static void status(GuestMemory m, long gpa, GrantStatus st) {
        m.setShort(gpa, (short) st.code());
    }

    // ------------------------------------------------------------------------------------------ GNT-23

    /** GNT-23: a map whose flags name neither host nor device map is taken as a host map. */
    static final class KindlessMapIsHostMap extends BuggyVerification {
        KindlessMapIsHostMap() {
            super((b, c, cmd, uops, count) -> {
                long f = uops + GnttabMapGrantRefLayout.FLAGS_OFFSET;
                int flags = is(cmd, GrantTableOp.MAP_GRANT_REF) ? c.memory().getInt(f) : GntMap.HOST_MAP;
                if ((flags & (GntMap.HOST_MAP | GntMap.DEVICE_MAP)) != 0) {
                    return b.real(c, cmd, uops, count);
                }
                c.memory().setInt(f, flags | GntMap.HOST_MAP);
                long rc = b.real(c, cmd, uops, count);
                c.memory().setInt(f, flags);
                return rc;
            });
        }
    }

    /** GNT-23: a map naming a granter that does not exist is a general error, not GNTST_bad_domain. */
    static final class UnknownGranterIsGeneralError extends StatusRewritten {
        UnknownGranterIsGeneralError() {
            super(GrantTableOp.MAP_GRANT_REF, GnttabMapGrantRefLayout.STATUS_OFFSET, GrantStatus.BAD_DOMAIN,
                    GrantStatus.GENERAL_ERROR);
        }
    }

    /** GNT-23: a map naming DOMID_SELF as the granter maps the caller's own grant. */
    static final class SelfAsGranterIsTheCaller extends BuggyVerification {
        SelfAsGranterIsTheCaller() {
            super((b, c, cmd, uops, count) -> {
                long d = uops + GnttabMapGrantRefLayout.DOM_OFFSET;
                if (!is(cmd, GrantTableOp.MAP_GRANT_REF) || u16(c.memory(), d) != DomId.SELF) {
                    return b.real(c, cmd, uops, count);
                }
                c.memory().setShort(d, (short) c.domid());
                long rc = b.real(c, cmd, uops, count);
                c.memory().setShort(d, (short) DomId.SELF);
                return rc;
            });
        }
    }

    /** GNT-23: an unmap refused for its host_addr or dev_bus_addr is retried as an unmap of the whole handle. */
    static final class UnmapIgnoresAddresses extends BuggyVerification {
        UnmapIgnoresAddresses() {
            super((b, c, cmd, uops, count) -> {
                long rc = b.real(c, cmd, uops, count);
                long st = uops + GnttabUnmapGrantRefLayout.STATUS_OFFSET;
                if (is(cmd, GrantTableOp.UNMAP_GRANT_REF) && c.memory().getShort(st) == GrantStatus.GENERAL_ERROR.code()) {
                    c.memory().setShort(st, (short) b.tables.unmap(c.domid(),
                            c.memory().getInt(uops + GnttabUnmapGrantRefLayout.HANDLE_OFFSET)));
                }
                return rc;
            });
        }
    }

    /** GNT-23: an unmap naming neither part (host_addr and dev_bus_addr 0) unmaps the whole handle. */
    static final class UnmapOfNoPartUnmapsAll extends BuggyVerification {
        UnmapOfNoPartUnmapsAll() {
            super((b, c, cmd, uops, count) -> {
                GuestMemory m = c.memory();
                if (is(cmd, GrantTableOp.UNMAP_GRANT_REF) && m.getLong(uops + GnttabUnmapGrantRefLayout.HOST_ADDR_OFFSET) == 0
                        && m.getLong(uops + GnttabUnmapGrantRefLayout.DEV_BUS_ADDR_OFFSET) == 0) {
                    m.setShort(uops + GnttabUnmapGrantRefLayout.STATUS_OFFSET, (short) b.tables.unmap(c.domid(),
                            m.getInt(uops + GnttabUnmapGrantRefLayout.HANDLE_OFFSET)));
                    return 0;
                }
                return b.real(c, cmd, uops, count);
            });
        }
    }

    // ------------------------------------------------------------------------------------------ GNT-24

    /** GNT-24: the entry of reference 512 + k is looked up in the first table frame (slot k). */
    static final class FirstTableFrameOnly extends BuggyVerification {
        FirstTableFrameOnly() {
            super((b, c, cmd, uops, count) -> {
                GuestMemory m = c.memory();
                long refAt;
                int granter;
                if (is(cmd, GrantTableOp.MAP_GRANT_REF)) {
                    refAt = uops + GnttabMapGrantRefLayout.REF_OFFSET;
                    granter = u16(m, uops + GnttabMapGrantRefLayout.DOM_OFFSET);
                } else if (is(cmd, GrantTableOp.COPY) && (m.getShort(uops + GnttabCopyLayout.FLAGS_OFFSET) & GntCopy.SOURCE_GREF) != 0) {
                    refAt = uops + GnttabCopyLayout.SOURCE_OFFSET + GnttabCopyLayout.PTR_U_OFFSET;
                    granter = u16(m, uops + GnttabCopyLayout.SOURCE_OFFSET + GnttabCopyLayout.PTR_DOMID_OFFSET);
                } else {
                    return b.real(c, cmd, uops, count);
                }
                int ref = m.getInt(refAt);
                TableSize size = b.tables.querySize(granter, granter);
                int per = GrantEntryV1Layout.ENTRIES_PER_FRAME;
                if (!size.ok() || ref < per || ref >= size.nrFrames() * per) {
                    return b.real(c, cmd, uops, count);
                }
                m.setInt(refAt, ref % per);
                long rc = b.real(c, cmd, uops, count);
                m.setInt(refAt, ref);
                return rc;
            });
        }
    }

    // ------------------------------------------------------------------------------------------ GNT-25

    /** GNT-25: the continuation resumes one element too far, so the first element of each continued call is skipped. */
    static final class ContinuationSkipsAnElement extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
                @Override
                long grantTableOp(HypercallContext c, long cmd, long uops, long count) {
                    long size = GrantTableOp.ofOrNull(cmd) == null ? 0 : GrantTableOp.ofOrNull(cmd).argLayout().byteSize();
                    long rc;
                    while ((rc = hypercall.grantTableOp(c, cmd, uops, count)) > 0) {
                        uops += (rc + 1) * size;
                        count -= Math.min(count, rc + 1);
                    }
                    return rc;
                }
            };
        }
    }

    /** GNT-25: an unmap batch also performs the element after its last one. */
    static final class BatchRunsOnePastTheEnd extends BuggyVerification {
        BatchRunsOnePastTheEnd() {
            super((b, c, cmd, uops, count) -> {
                long rc = b.real(c, cmd, uops, count);
                if (rc == 0 && count > 1 && is(cmd, GrantTableOp.UNMAP_GRANT_REF)) {
                    b.real(c, cmd, uops + count * GnttabUnmapGrantRefLayout.SIZE, 1);
                }
                return rc;
            });
        }
    }

    /** GNT-25: query_size and setup_table with any count perform one element. */
    static final class SingleOpsTakeAnyCount extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
                @Override
                long grantTableOp(HypercallContext c, long cmd, long uops, long count) {
                    boolean single = is(cmd, GrantTableOp.QUERY_SIZE) || is(cmd, GrantTableOp.SETUP_TABLE);
                    return super.grantTableOp(c, cmd, uops, single && count < 0x8000_0000L ? 1 : count);
                }
            };
        }
    }

    // ------------------------------------------------------------------------------------------ GNT-26

    /** GNT-26: query_size answers for any domain, privileged caller or not. */
    static final class AnyoneQueriesAnySize extends BuggyVerification {
        AnyoneQueriesAnySize() {
            super((b, c, cmd, uops, count) -> {
                GuestMemory m = c.memory();
                int dom = is(cmd, GrantTableOp.QUERY_SIZE) ? u16(m, uops + GnttabQuerySizeLayout.DOM_OFFSET) : DomId.SELF;
                if (dom == DomId.SELF || dom == c.domid() || !b.tables.hasDomain(dom)) {
                    return b.real(c, cmd, uops, count);
                }
                TableSize s = b.tables.querySize(dom, dom);
                m.setInt(uops + GnttabQuerySizeLayout.NR_FRAMES_OFFSET, s.nrFrames());
                m.setInt(uops + GnttabQuerySizeLayout.MAX_NR_FRAMES_OFFSET, s.maxFrames());
                m.setShort(uops + GnttabQuerySizeLayout.STATUS_OFFSET, (short) s.status());
                return 0;
            });
        }
    }

    /** GNT-26: query_size checks the privilege before the domain, so a domain that does not exist is "denied". */
    static final class PrivilegeCheckedBeforeLookup extends BuggyVerification {
        PrivilegeCheckedBeforeLookup() {
            super((b, c, cmd, uops, count) -> {
                long rc = b.real(c, cmd, uops, count);
                long st = uops + GnttabQuerySizeLayout.STATUS_OFFSET;
                if (is(cmd, GrantTableOp.QUERY_SIZE) && !c.privileged()
                        && c.memory().getShort(st) == GrantStatus.BAD_DOMAIN.code()) {
                    status(c.memory(), st, GrantStatus.PERMISSION_DENIED);
                }
                return rc;
            });
        }
    }

    /** GNT-26: get_version answers version 1 for any domain id. */
    static final class GetVersionOfAnyone extends BuggyVerification {
        GetVersionOfAnyone() {
            super((b, c, cmd, uops, count) -> {
                if (is(cmd, GrantTableOp.GET_VERSION) && count == 1) {
                    c.memory().setInt(uops + GnttabGetVersionLayout.VERSION_OFFSET, 1);
                    return 0;
                }
                return b.real(c, cmd, uops, count);
            });
        }
    }

    /** GNT-26: set_version accepts any version as a no-op. */
    static final class SetVersionAcceptsAnything extends BuggyVerification {
        SetVersionAcceptsAnything() {
            super((b, c, cmd, uops, count) -> {
                long rc = b.real(c, cmd, uops, count);
                return is(cmd, GrantTableOp.SET_VERSION) ? 0 : rc;
            });
        }
    }

    /** GNT-26: a privileged domain is refused another domain's size like an unprivileged one. */
    static final class PrivilegedQueryRefused extends BuggyVerification {
        PrivilegedQueryRefused() {
            super((b, c, cmd, uops, count) -> {
                long rc = b.real(c, cmd, uops, count);
                GuestMemory m = c.memory();
                int dom = u16(m, uops + GnttabQuerySizeLayout.DOM_OFFSET);
                if (is(cmd, GrantTableOp.QUERY_SIZE) && c.privileged() && dom != DomId.SELF && dom != c.domid()) {
                    status(m, uops + GnttabQuerySizeLayout.STATUS_OFFSET, GrantStatus.PERMISSION_DENIED);
                }
                return rc;
            });
        }
    }

    // ------------------------------------------------------------------------------------------ GNT-27

    /** A status {@code from} that {@code op} answers is rewritten to {@code to} (after the real call). */
    abstract static class StatusRewritten extends BrokenVerification {
        private final GrantTableOp op;
        private final long statusOffset;
        private final GrantStatus from;
        private final GrantStatus to;

        StatusRewritten(GrantTableOp op, long statusOffset, GrantStatus from, GrantStatus to) {
            this.op = op;
            this.statusOffset = statusOffset;
            this.from = from;
            this.to = to;
        }

        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
                @Override
                long bug(HypercallContext c, long cmd, long uops, long count) {
                    long rc = real(c, cmd, uops, count);
                    long st = uops + statusOffset;
                    if (is(cmd, op) && c.memory().getShort(st) == from.code()) {
                        status(c.memory(), st, to);
                    }
                    return rc;
                }
            };
        }
    }

    /** GNT-27: a copy side naming another domain's frame is reported as a bad page, not as permission denied. */
    static final class ForeignFrameIsBadPage extends StatusRewritten {
        ForeignFrameIsBadPage() {
            super(GrantTableOp.COPY, GnttabCopyLayout.STATUS_OFFSET, GrantStatus.PERMISSION_DENIED, GrantStatus.BAD_PAGE);
        }
    }

    /** GNT-27: a frame outside memory, or an entry's frame outside the granter's memory, is a general error for copy. */
    static final class BadPageIsGeneralError extends StatusRewritten {
        BadPageIsGeneralError() {
            super(GrantTableOp.COPY, GnttabCopyLayout.STATUS_OFFSET, GrantStatus.BAD_PAGE, GrantStatus.GENERAL_ERROR);
        }
    }

    /** GNT-27: a copy naming a granter that does not exist is a general error. */
    static final class CopyUnknownGranterIsGeneralError extends StatusRewritten {
        CopyUnknownGranterIsGeneralError() {
            super(GrantTableOp.COPY, GnttabCopyLayout.STATUS_OFFSET, GrantStatus.BAD_DOMAIN, GrantStatus.GENERAL_ERROR);
        }
    }

    /** GNT-27: a copy from a pinned entry checks only that it is pinned, not who pinned it. */
    static final class CopyOfPinnedEntryByAnyone extends BuggyVerification {
        CopyOfPinnedEntryByAnyone() {
            super((b, c, cmd, uops, count) -> {
                long rc = b.real(c, cmd, uops, count);
                GuestMemory m = c.memory();
                int flags = is(cmd, GrantTableOp.COPY) ? m.getShort(uops + GnttabCopyLayout.FLAGS_OFFSET) : 0;
                if (flags != GntCopy.SOURCE_GREF || m.getShort(uops + GnttabCopyLayout.STATUS_OFFSET)
                        != GrantStatus.GENERAL_ERROR.code()) {
                    return rc;
                }
                int granter = u16(m, uops + GnttabCopyLayout.SOURCE_OFFSET + GnttabCopyLayout.PTR_DOMID_OFFSET);
                int ref = m.getInt(uops + GnttabCopyLayout.SOURCE_OFFSET + GnttabCopyLayout.PTR_U_OFFSET);
                if (b.dom(granter) == null || ref < 0 || ref >= 512 || b.tables.pins(granter, ref).total() == 0) {
                    return rc;
                }
                GuestMemory g = b.dom(granter).memory;
                long frame = Integer.toUnsignedLong(g.getInt(b.entry(granter, ref) + GrantEntryV1Layout.FRAME_OFFSET));
                long dst = m.getLong(uops + GnttabCopyLayout.DEST_OFFSET + GnttabCopyLayout.PTR_U_OFFSET);
                MemorySegment.copy(g.segment(), GuestMemory.gpaOf(frame), m.segment(), GuestMemory.gpaOf(dst),
                        u16(m, uops + GnttabCopyLayout.LEN_OFFSET));
                status(m, uops + GnttabCopyLayout.STATUS_OFFSET, GrantStatus.OKAY);
                return rc;
            });
        }
    }

    /** GNT-27: a copy into a grant that stays pinned by a read-only mapping leaves GTF_writing set. */
    static final class CopyLeavesWritingOnPinnedEntry extends BuggyVerification {
        CopyLeavesWritingOnPinnedEntry() {
            super((b, c, cmd, uops, count) -> {
                long rc = b.real(c, cmd, uops, count);
                GuestMemory m = c.memory();
                if (!is(cmd, GrantTableOp.COPY) || (m.getShort(uops + GnttabCopyLayout.FLAGS_OFFSET) & GntCopy.DEST_GREF) == 0
                        || m.getShort(uops + GnttabCopyLayout.STATUS_OFFSET) != GrantStatus.OKAY.code()) {
                    return rc;
                }
                int granter = u16(m, uops + GnttabCopyLayout.DEST_OFFSET + GnttabCopyLayout.PTR_DOMID_OFFSET);
                int ref = m.getInt(uops + GnttabCopyLayout.DEST_OFFSET + GnttabCopyLayout.PTR_U_OFFSET);
                if (b.dom(granter) != null && ref >= 0 && ref < 512 && b.tables.pins(granter, ref).total() > 0) {
                    b.dom(granter).memory.getAndBitwiseOrInt(b.entry(granter, ref), io.pvkit.abi.grant.GrantFlags.WRITING);
                }
                return rc;
            });
        }
    }

    /** GNT-27: a map refused for its entry's bad frame leaves GTF_reading set. */
    static final class BadFrameLeavesReading extends BuggyVerification {
        BadFrameLeavesReading() {
            super((b, c, cmd, uops, count) -> {
                long rc = b.real(c, cmd, uops, count);
                GuestMemory m = c.memory();
                if (is(cmd, GrantTableOp.MAP_GRANT_REF)
                        && m.getShort(uops + GnttabMapGrantRefLayout.STATUS_OFFSET) == GrantStatus.BAD_PAGE.code()) {
                    int granter = u16(m, uops + GnttabMapGrantRefLayout.DOM_OFFSET);
                    int ref = m.getInt(uops + GnttabMapGrantRefLayout.REF_OFFSET);
                    if (b.dom(granter) != null && ref >= 0 && ref < 512) {
                        b.dom(granter).memory.getAndBitwiseOrInt(b.entry(granter, ref), io.pvkit.abi.grant.GrantFlags.READING);
                    }
                }
                return rc;
            });
        }
    }

    // ------------------------------------------------------------------------------------------ GNT-28

    /** A frontend's granting code written from grant_table.h with one flaw. */
    abstract static class ToyFrontendGrants extends BrokenVerification {
        enum Flaw { RESERVED_REFS, ONE_REF, ALWAYS_WRITABLE, FREES_REF_IN_USE }

        abstract Flaw flaw();

        @Override
        PvGrantHypervisor broken() {
            return new PvGrantHypervisor();
        }

        @Override
        protected GrantingGuest createGrantingGuest(DomainUnderTest domain, MemoryAccess memory, long[] tableFrames) {
            return new GuestGrantBugs.Toy(memory, tableFrames, GuestGrantBugs.Toy.Flaw.valueOf(flaw().name()));
        }
    }

    /** GNT-28: the frontend hands out the reserved references 0 .. 7. */
    static final class HandsOutReservedRefs extends ToyFrontendGrants {
        @Override
        Flaw flaw() {
            return Flaw.RESERVED_REFS;
        }
    }

    /** GNT-28: the frontend shares every page through the same reference. */
    static final class OneRefForAll extends ToyFrontendGrants {
        @Override
        Flaw flaw() {
            return Flaw.ONE_REF;
        }
    }

    /** GNT-28: the frontend ignores "read-only" and grants every page writable. */
    static final class GrantsAlwaysWritable extends ToyFrontendGrants {
        @Override
        Flaw flaw() {
            return Flaw.ALWAYS_WRITABLE;
        }
    }

    /** GNT-28: the frontend returns a reference to its free list even when its end of access failed. */
    static final class FreesRefStillInUse extends ToyFrontendGrants {
        @Override
        Flaw flaw() {
            return Flaw.FREES_REF_IN_USE;
        }
    }

    /** GNT-25: a grant_table_op with a command it does not know returns 0, as if done. */
    static final class UnknownCommandIsDone extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
                @Override
                long grantTableOp(HypercallContext c, long cmd, long uops, long count) {
                    return GrantTableOp.ofOrNull(cmd) == null ? 0 : super.grantTableOp(c, cmd, uops, count);
                }
            };
        }
    }

    /** GNT-26: setup_table refuses a count equal to the maximum (an off-by-one in the bound). */
    static final class SetupRefusesTheMaximum extends BuggyVerification {
        SetupRefusesTheMaximum() {
            super((b, c, cmd, uops, count) -> {
                long rc = b.real(c, cmd, uops, count);
                GuestMemory m = c.memory();
                if (is(cmd, GrantTableOp.SETUP_TABLE) && m.getShort(uops + GnttabSetupTableLayout.STATUS_OFFSET) == 0) {
                    int dom = u16(m, uops + GnttabSetupTableLayout.DOM_OFFSET);
                    int target = dom == DomId.SELF ? c.domid() : dom;
                    long nr = Integer.toUnsignedLong(m.getInt(uops + GnttabSetupTableLayout.NR_FRAMES_OFFSET));
                    if (nr == b.tables.querySize(target, target).maxFrames()) {
                        status(m, uops + GnttabSetupTableLayout.STATUS_OFFSET, GrantStatus.GENERAL_ERROR);
                    }
                }
                return rc;
            });
        }
    }

    /** GNT-27: a copy side's 64-bit union is read as 32 bits, so a frame beyond 2^32 is truncated to a valid one. */
    static final class CopyUnionTruncated extends BuggyVerification {
        CopyUnionTruncated() {
            super((b, c, cmd, uops, count) -> {
                if (is(cmd, GrantTableOp.COPY) && count == 1) {
                    for (long side : new long[] {GnttabCopyLayout.SOURCE_OFFSET, GnttabCopyLayout.DEST_OFFSET}) {
                        long u = uops + side + GnttabCopyLayout.PTR_U_OFFSET;
                        c.memory().setLong(u, c.memory().getLong(u) & 0xFFFF_FFFFL);
                    }
                }
                return b.real(c, cmd, uops, count);
            });
        }
    }

    /** GNT-27: a reference side is read as the whole 64-bit union, so bits in its upper half make it a bad reference. */
    static final class CopyRefReadAs64Bits extends BuggyVerification {
        CopyRefReadAs64Bits() {
            super((b, c, cmd, uops, count) -> {
                GuestMemory m = c.memory();
                if (!is(cmd, GrantTableOp.COPY) || count != 1) {
                    return b.real(c, cmd, uops, count);
                }
                int flags = m.getShort(uops + GnttabCopyLayout.FLAGS_OFFSET);
                long src = m.getLong(uops + GnttabCopyLayout.SOURCE_OFFSET + GnttabCopyLayout.PTR_U_OFFSET);
                long dst = m.getLong(uops + GnttabCopyLayout.DEST_OFFSET + GnttabCopyLayout.PTR_U_OFFSET);
                if (((flags & GntCopy.SOURCE_GREF) != 0 && src >>> 32 != 0) || ((flags & GntCopy.DEST_GREF) != 0 && dst >>> 32 != 0)) {
                    status(m, uops + GnttabCopyLayout.STATUS_OFFSET, GrantStatus.BAD_GNTREF);
                    return 0;
                }
                return b.real(c, cmd, uops, count);
            });
        }
    }
}
