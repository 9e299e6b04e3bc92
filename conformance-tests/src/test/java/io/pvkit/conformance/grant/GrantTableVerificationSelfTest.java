package io.pvkit.conformance.grant;

import io.pvkit.abi.memory.ForwardingMemoryAccess;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.grant.GntCopy;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GnttabCopyLayout;
import io.pvkit.abi.grant.GnttabMapGrantRefLayout;
import io.pvkit.abi.grant.GnttabQuerySizeLayout;
import io.pvkit.abi.grant.GnttabSetupTableLayout;
import io.pvkit.abi.grant.GnttabUnmapGrantRefLayout;
import io.pvkit.abi.grant.GrantEntryV1Layout;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.grant.GrantStatus;
import io.pvkit.abi.grant.GrantTableOp;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.GuestMemoryFault;
import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.conformance.Rule;
import io.pvkit.conformance.RuleCatalogue;
import io.pvkit.conformance.selftest.Outcome;
import io.pvkit.conformance.selftest.SelfTest;
import io.pvkit.conformance.selftest.SelfTestReport;
import io.pvkit.conformance.spi.DomainUnderTest;
import io.pvkit.conformance.spi.HypervisorUnderTest;
import io.pvkit.grant.GuestGrantTable;
import io.pvkit.grant.MappingLifetime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each grant rule catches a deliberately broken implementation; pv-grant itself passes every rule. */
class GrantTableVerificationSelfTest {
    private static final int OKAY = GrantStatus.OKAY.code();
    /** A GNT-18 seed whose sequence catches {@link CopyReleaseClearsReading} (found once with random seeds). */
    static final long MODEL_SEED = 8549621551955339998L;

    // ------------------------------------------------------------------------- decorating helpers

    /** A pv-grant hypervisor whose grant_table_op has one bug, applied per single-element call. */
    abstract static class Buggy extends PvGrantHypervisor {
        /** Map handles to (granter, ref, readOnly, device, host) for bugs that need to find an entry (any thread may map). */
        final Map<Long, long[]> maps = new java.util.concurrent.ConcurrentHashMap<>();

        @Override
        long grantTableOp(HypercallContext ctx, long cmd, long uops, long count) {
            long rc;
            try {
                rc = bug(ctx, cmd, uops, count);
            } catch (GuestMemoryFault fault) {
                // the bug's own peek at an argument array outside memory: the real call answers that case
                return real(ctx, cmd, uops, count);
            }
            if (count != 1) {
                return rc;
            }
            GuestMemory m = ctx.memory();
            if (rc == 0 && cmd == GrantTableOp.MAP_GRANT_REF.code()
                    && m.getShort(uops + GnttabMapGrantRefLayout.STATUS_OFFSET) == OKAY) {
                maps.put(((long) ctx.domid() << 32) | (m.getInt(uops + GnttabMapGrantRefLayout.HANDLE_OFFSET) & 0xFFFFFFFFL),
                        new long[] {Short.toUnsignedInt(m.getShort(uops + GnttabMapGrantRefLayout.DOM_OFFSET)),
                                Integer.toUnsignedLong(m.getInt(uops + GnttabMapGrantRefLayout.REF_OFFSET)),
                                (m.getInt(uops + GnttabMapGrantRefLayout.FLAGS_OFFSET) & GntMap.READONLY) != 0 ? 1 : 0,
                                (m.getInt(uops + GnttabMapGrantRefLayout.FLAGS_OFFSET) & GntMap.DEVICE_MAP) != 0 ? 1 : 0,
                                (m.getInt(uops + GnttabMapGrantRefLayout.FLAGS_OFFSET) & GntMap.HOST_MAP) != 0 ? 1 : 0});
            }
            return rc;
        }

        long bug(HypercallContext ctx, long cmd, long uops, long count) {
            return super.grantTableOp(ctx, cmd, uops, count);
        }

        long real(HypercallContext ctx, long cmd, long uops, long count) {
            return super.grantTableOp(ctx, cmd, uops, count);
        }

        /** The address of a granter's entry (table at the top 4 frames, 512 entries per frame). */
        long entry(int granter, long ref) {
            GuestMemory g = dom(granter).memory;
            return GuestMemory.gpaOf(g.frames() - TABLE_FRAMES + ref / 512) + (ref % 512) * GrantEntryV1Layout.SIZE;
        }

        void clearBits(int granter, long ref, int bits) {
            dom(granter).memory.getAndBitwiseAndInt(entry(granter, ref), ~bits);
        }

        static boolean is(long cmd, GrantTableOp op) {
            return cmd == op.code();
        }
    }

    /** One bug of a {@link Buggy}: its {@link Buggy#bug} as a lambda; {@code b} is the hypervisor it runs in. */
    @FunctionalInterface
    interface Bug {
        /**
         * @return what {@code grant_table_op} returns to the guest
         */
        long apply(Buggy b, HypercallContext c, long cmd, long uops, long count);
    }

    /**
     * A broken verification whose implementation is a {@link Buggy} running one {@link Bug}: each broken implementation
     * is a named subclass (JUnit runs classes) whose constructor passes its bug as a lambda.
     */
    abstract static class BuggyVerification extends BrokenVerification {
        private final Bug bug;

        BuggyVerification(Bug bug) {
            this.bug = bug;
        }

        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
                @Override
                long bug(HypercallContext c, long cmd, long uops, long count) {
                    return bug.apply(this, c, cmd, uops, count);
                }
            };
        }

        static boolean is(long cmd, GrantTableOp op) {
            return Buggy.is(cmd, op);
        }
    }

    /** Base of the broken verifications: the implementation comes from {@link #broken()}. */
    abstract static class BrokenVerification extends GrantTableVerification {
        abstract PvGrantHypervisor broken();

        @Override
        protected HypervisorUnderTest createHypervisor() {
            return broken();
        }

        @Override
        protected MemorySegment mappingView(HypervisorUnderTest hypervisor, DomainUnderTest mapper, int handle) {
            return ((PvGrantHypervisor) hypervisor).tables.segmentOf(mapper.domid(), handle);
        }

        @Override
        protected void settle(HypervisorUnderTest hypervisor) {
            ((PvGrantHypervisor) hypervisor).settle();
        }

        @Override
        protected GrantingGuest createGrantingGuest(DomainUnderTest domain, MemoryAccess memory, long[] tableFrames) {
            return PvGrantConformanceTest.guestOf(new GuestGrantTable(memory, tableFrames));
        }

        @Override
        protected int maptrackLimit() {
            return PvGrantConformanceTest.MAPTRACK_LIMIT;
        }

        /** One pinned GNT-18 sequence, so a broken implementation's verdict is reproducible. */
        @Override
        protected Long modelSeed() {
            return MODEL_SEED;
        }
    }

    // ------------------------------------------------------------------------------ one bug each

    /** GNT-01: a map of an out-of-range reference "succeeds" (no range check). */
    static final class NoRangeCheck extends BuggyVerification {
        NoRangeCheck() {
            super((b, c, cmd, uops, count) -> {
                if (is(cmd, GrantTableOp.MAP_GRANT_REF)
                        && Integer.toUnsignedLong(c.memory().getInt(uops + GnttabMapGrantRefLayout.REF_OFFSET)) >= 2048) {
                    c.memory().setShort(uops + GnttabMapGrantRefLayout.STATUS_OFFSET, (short) 0);
                    return 0;
                }
                return b.real(c, cmd, uops, count);
            });
        }
    }

    /** GNT-02: a map naming an unknown granter reports status 1 (XSA-316). */
    static final class PositiveStatus extends BuggyVerification {
        PositiveStatus() {
            super((b, c, cmd, uops, count) -> {
                long rc = b.real(c, cmd, uops, count);
                if (is(cmd, GrantTableOp.MAP_GRANT_REF)
                        && c.memory().getShort(uops + GnttabMapGrantRefLayout.STATUS_OFFSET) == GrantStatus.BAD_DOMAIN.code()) {
                    c.memory().setShort(uops + GnttabMapGrantRefLayout.STATUS_OFFSET, (short) 1);
                }
                return rc;
            });
        }
    }

    /** GNT-03: a refused writable map is quietly retried read-only and reported as success. */
    static final class WritableMapOfReadOnlyGrant extends BuggyVerification {
        WritableMapOfReadOnlyGrant() {
            super((b, c, cmd, uops, count) -> {
                long rc = b.real(c, cmd, uops, count);
                GuestMemory m = c.memory();
                int flags = m.getInt(uops + GnttabMapGrantRefLayout.FLAGS_OFFSET);
                if (is(cmd, GrantTableOp.MAP_GRANT_REF) && (flags & GntMap.READONLY) == 0
                        && m.getShort(uops + GnttabMapGrantRefLayout.STATUS_OFFSET) == GrantStatus.GENERAL_ERROR.code()) {
                    m.setInt(uops + GnttabMapGrantRefLayout.FLAGS_OFFSET, flags | GntMap.READONLY);
                    rc = b.real(c, cmd, uops, count);
                    m.setInt(uops + GnttabMapGrantRefLayout.FLAGS_OFFSET, flags);
                }
                return rc;
            });
        }
    }

    /** GNT-04: unmapping a read-only mapping also clears GTF_writing. */
    static final class ReadOnlyUnmapClearsWriting extends BuggyVerification {
        ReadOnlyUnmapClearsWriting() {
            super((b, c, cmd, uops, count) -> {
                long[] m = is(cmd, GrantTableOp.UNMAP_GRANT_REF) ? b.maps.get(((long) c.domid() << 32)
                        | (c.memory().getInt(uops + GnttabUnmapGrantRefLayout.HANDLE_OFFSET) & 0xFFFFFFFFL)) : null;
                long rc = b.real(c, cmd, uops, count);
                if (m != null && m[2] == 1 && b.dom((int) m[0]) != null) {
                    b.clearBits((int) m[0], m[1], GrantFlags.WRITING);
                }
                return rc;
            });
        }
    }

    /** GNT-05: every unmap of a read-only grant clears GTF_reading, whatever else is still mapped. */
    static final class UnmapClearsReading extends BuggyVerification {
        UnmapClearsReading() {
            super((b, c, cmd, uops, count) -> {
                long[] m = is(cmd, GrantTableOp.UNMAP_GRANT_REF) ? b.maps.get(((long) c.domid() << 32)
                        | (c.memory().getInt(uops + GnttabUnmapGrantRefLayout.HANDLE_OFFSET) & 0xFFFFFFFFL)) : null;
                long rc = b.real(c, cmd, uops, count);
                if (m != null && m[2] == 1 && b.dom((int) m[0]) != null
                        && (b.dom((int) m[0]).memory.getIntVolatile(b.entry((int) m[0], m[1])) & GrantFlags.READONLY) != 0) {
                    b.clearBits((int) m[0], m[1], GrantFlags.READING);
                }
                return rc;
            });
        }
    }

    /** GNT-06: copy re-reads the frame from the shared entry instead of the pinned snapshot. */
    static final class CopyRereadsEntry extends BuggyVerification {
        CopyRereadsEntry() {
            super((b, c, cmd, uops, count) -> {
                long rc = b.real(c, cmd, uops, count);
                GuestMemory m = c.memory();
                if (is(cmd, GrantTableOp.COPY) && m.getShort(uops + GnttabCopyLayout.STATUS_OFFSET) == OKAY
                        && (m.getShort(uops + GnttabCopyLayout.FLAGS_OFFSET) & GntCopy.SOURCE_GREF) != 0
                        && (m.getShort(uops + GnttabCopyLayout.FLAGS_OFFSET) & GntCopy.DEST_GREF) == 0) {
                    int granter = Short.toUnsignedInt(m.getShort(uops + GnttabCopyLayout.SOURCE_OFFSET
                            + GnttabCopyLayout.PTR_DOMID_OFFSET));
                    long ref = Integer.toUnsignedLong(m.getInt(uops + GnttabCopyLayout.SOURCE_OFFSET));
                    GuestMemory g = b.dom(granter).memory;
                    long frame = Integer.toUnsignedLong(g.getInt(b.entry(granter, ref) + GrantEntryV1Layout.FRAME_OFFSET));
                    long dst = m.getLong(uops + GnttabCopyLayout.DEST_OFFSET);
                    int len = Short.toUnsignedInt(m.getShort(uops + GnttabCopyLayout.LEN_OFFSET));
                    MemorySegment.copy(g.segment(), GuestMemory.gpaOf(frame), m.segment(), GuestMemory.gpaOf(dst), len);
                }
                return rc;
            });
        }
    }

    /** GNT-07: map checks only the domid, so an entry the granter revoked (flags 0) can still be mapped. */
    static final class MapOfRevokedEntry extends BuggyVerification {
        MapOfRevokedEntry() {
            super((b, c, cmd, uops, count) -> {
                GuestMemory m = c.memory();
                if (!is(cmd, GrantTableOp.MAP_GRANT_REF) || count != 1) {
                    return b.real(c, cmd, uops, count);
                }
                int granter = Short.toUnsignedInt(m.getShort(uops + GnttabMapGrantRefLayout.DOM_OFFSET));
                long ref = Integer.toUnsignedLong(m.getInt(uops + GnttabMapGrantRefLayout.REF_OFFSET));
                PvGrantHypervisor.Dom g = b.dom(granter);
                if (g == null || ref >= 512) {
                    return b.real(c, cmd, uops, count);
                }
                long w = b.entry(granter, ref);
                int word = g.memory.getIntVolatile(w);
                if ((word & GrantFlags.TYPE_MASK) != GrantFlags.INVALID || word >>> 16 != c.domid()) {
                    return b.real(c, cmd, uops, count);
                }
                // bug: only the domid is checked; a revoked entry (flags 0) is treated as still granted
                g.memory.getAndBitwiseOrInt(w, GrantFlags.PERMIT_ACCESS);
                long rc = b.real(c, cmd, uops, count);
                g.memory.getAndBitwiseAndInt(w, ~GrantFlags.TYPE_MASK);
                return rc;
            });
        }
    }

    /** GNT-08: an unmap of a handle that was never issued reports success. */
    static final class BadHandleIsOkay extends BuggyVerification {
        BadHandleIsOkay() {
            super((b, c, cmd, uops, count) -> {
                long handle = is(cmd, GrantTableOp.UNMAP_GRANT_REF) && count == 1
                        ? c.memory().getInt(uops + GnttabUnmapGrantRefLayout.HANDLE_OFFSET) & 0xFFFFFFFFL : -1;
                long rc = b.real(c, cmd, uops, count);
                if (handle >= 0 && !b.maps.containsKey(((long) c.domid() << 32) | handle)
                        && c.memory().getShort(uops + GnttabUnmapGrantRefLayout.STATUS_OFFSET) == GrantStatus.BAD_HANDLE.code()) {
                    c.memory().setShort(uops + GnttabUnmapGrantRefLayout.STATUS_OFFSET, (short) 0);
                }
                return rc;
            });
        }
    }

    /** GNT-09: a full maptrack is reported as a general error. */
    static final class NoSpaceIsGeneralError extends BuggyVerification {
        NoSpaceIsGeneralError() {
            super((b, c, cmd, uops, count) -> {
                long rc = b.real(c, cmd, uops, count);
                if (is(cmd, GrantTableOp.MAP_GRANT_REF)
                        && c.memory().getShort(uops + GnttabMapGrantRefLayout.STATUS_OFFSET) == GrantStatus.NO_SPACE.code()) {
                    c.memory().setShort(uops + GnttabMapGrantRefLayout.STATUS_OFFSET,
                            (short) GrantStatus.GENERAL_ERROR.code());
                }
                return rc;
            });
        }
    }

    /** GNT-10: a copy batch stops at the first failing element and leaves later statuses untouched (XSA-318). */
    static final class CopyBatchStopsEarly extends BuggyVerification {
        CopyBatchStopsEarly() {
            super((b, c, cmd, uops, count) -> {
                if (!is(cmd, GrantTableOp.COPY)) {
                    return b.real(c, cmd, uops, count);
                }
                for (long i = 0; i < count; i++) {
                    long e = uops + i * GnttabCopyLayout.SIZE;
                    long rc = b.real(c, cmd, e, 1);
                    if (rc != 0 || c.memory().getShort(e + GnttabCopyLayout.STATUS_OFFSET) != OKAY) {
                        return rc;
                    }
                }
                return 0;
            });
        }
    }

    /** GNT-11: transitive and sub-page entries are treated as plain permit_access entries. */
    static final class FollowsTransitive extends BuggyVerification {
        FollowsTransitive() {
            super((b, c, cmd, uops, count) -> {
                if (is(cmd, GrantTableOp.MAP_GRANT_REF)) {
                    int granter = Short.toUnsignedInt(c.memory().getShort(uops + GnttabMapGrantRefLayout.DOM_OFFSET));
                    long ref = Integer.toUnsignedLong(c.memory().getInt(uops + GnttabMapGrantRefLayout.REF_OFFSET));
                    if (b.dom(granter) != null && ref < 512) {
                        long e = b.entry(granter, ref);
                        int w = b.dom(granter).memory.getIntVolatile(e);
                        if ((w & GrantFlags.TYPE_MASK) == GrantFlags.TRANSITIVE || (w & GrantFlags.SUB_PAGE) != 0) {
                            b.dom(granter).memory.setIntVolatile(e, (w & ~(GrantFlags.TYPE_MASK | GrantFlags.SUB_PAGE))
                                    | GrantFlags.PERMIT_ACCESS);
                        }
                    }
                }
                return b.real(c, cmd, uops, count);
            });
        }
    }

    /** GNT-13: setup_table writes frame numbers before checking nr_frames. */
    static final class SetupWritesBeforeCheck extends BuggyVerification {
        SetupWritesBeforeCheck() {
            super((b, c, cmd, uops, count) -> {
                if (is(cmd, GrantTableOp.SETUP_TABLE)) {
                    long nr = Integer.toUnsignedLong(c.memory().getInt(uops + GnttabSetupTableLayout.NR_FRAMES_OFFSET));
                    long list = c.memory().getLong(uops + GnttabSetupTableLayout.FRAME_LIST_OFFSET);
                    for (int i = 0; i < Math.min(nr, 8); i++) {
                        c.memory().setLong(list + 8L * i, c.memory().frames() - PvGrantHypervisor.TABLE_FRAMES + i);
                    }
                }
                return b.real(c, cmd, uops, count);
            });
        }
    }

    /** GNT-14: destroying a domain leaves its mappings (and its grants' mappings) in place. */
    static final class DeathKeepsMappings extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
                @Override
                void release(int domid) {
                    // bug: nothing is released; the memory is kept so nothing dangles
                    keepMemory = true;
                }
            };
        }
    }

    /** GNT-15: the mapping view is a copy that survives the unmap. */
    static final class ViewOutlivesUnmap extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new PvGrantHypervisor();
        }

        @Override
        protected MemorySegment mappingView(HypervisorUnderTest hypervisor, DomainUnderTest mapper, int handle) {
            MemorySegment real = super.mappingView(hypervisor, mapper, handle);
            return real == null ? null : MemorySegment.ofArray(new byte[GuestMemory.PAGE_SIZE]).copyFrom(real).asReadOnly();
        }
    }

    /** GNT-16: query_size reports a maximum of 0 frames. */
    static final class QuerySizeWrongMax extends BuggyVerification {
        QuerySizeWrongMax() {
            super((b, c, cmd, uops, count) -> {
                long rc = b.real(c, cmd, uops, count);
                if (is(cmd, GrantTableOp.QUERY_SIZE)) {
                    c.memory().setInt(uops + GnttabQuerySizeLayout.MAX_NR_FRAMES_OFFSET, 0);
                }
                return rc;
            });
        }
    }

    /** GNT-17: a bad argument array is swallowed and reported as success. */
    static final class FaultSwallowed extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
                @Override
                long grantTableOp(HypercallContext c, long cmd, long uops, long count) {
                    long rc = real(c, cmd, uops, count);
                    return rc == XenErrno.EFAULT.negated() ? 0 : rc;
                }
            };
        }
    }

    /** GNT-17: the count's top bit is ignored, so 0xFFFFFFFF runs as 0x7FFFFFFF elements (until memory ends). */
    static final class TopBitCountAccepted extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
                @Override
                long grantTableOp(HypercallContext c, long cmd, long uops, long count) {
                    return real(c, cmd, uops, count & 0x7FFF_FFFFL);
                }
            };
        }
    }

    /** FE-09: the frontend ends access with a plain store, whatever the busy bits say. */
    static final class PlainStoreRevoke extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new PvGrantHypervisor();
        }

        @Override
        protected GrantingGuest createGrantingGuest(DomainUnderTest domain, MemoryAccess memory, long[] tableFrames) {
            GuestGrantTable t = new GuestGrantTable(memory, tableFrames);
            return new GuestGrantBugs.Decorated(PvGrantConformanceTest.guestOf(t)) {
                @Override
                public EndOfAccess endAccess(int ref) {
                    memory.setShort(t.entryGpa(ref), (short) 0);
                    return EndOfAccess.REVOKED;
                }
            };
        }
    }

    /** GNT-06: a copy of a pinned entry re-validates the live shared flags instead of the pinned snapshot. */
    static final class CopyRevalidatesLiveFlags extends BuggyVerification {
        CopyRevalidatesLiveFlags() {
            super((b, c, cmd, uops, count) -> {
                GuestMemory m = c.memory();
                if (is(cmd, GrantTableOp.COPY) && (m.getShort(uops + GnttabCopyLayout.FLAGS_OFFSET) & GntCopy.SOURCE_GREF) != 0) {
                    int granter = Short.toUnsignedInt(m.getShort(uops + GnttabCopyLayout.SOURCE_OFFSET
                            + GnttabCopyLayout.PTR_DOMID_OFFSET));
                    long ref = Integer.toUnsignedLong(m.getInt(uops + GnttabCopyLayout.SOURCE_OFFSET));
                    if (b.dom(granter) != null && ref < 512
                            && (b.dom(granter).memory.getIntVolatile(b.entry(granter, ref)) & GrantFlags.TYPE_MASK)
                                    != GrantFlags.PERMIT_ACCESS) {
                        m.setShort(uops + GnttabCopyLayout.STATUS_OFFSET, (short) GrantStatus.GENERAL_ERROR.code());
                        return 0;
                    }
                }
                return b.real(c, cmd, uops, count);
            });
        }
    }

    /** GNT-09: the implementation declares no maptrack limit. */
    static final class NoMaptrackLimitDeclared extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new PvGrantHypervisor();
        }

        @Override
        protected int maptrackLimit() {
            return 0;
        }
    }

    /** GNT-09: the declared maptrack limit is not enforced (the real one is far larger). */
    static final class MaptrackLimitNotEnforced extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new PvGrantHypervisor(MappingLifetime.SHARED, 4096);
        }
    }

    /** GNT-10: the copy bounds check adds offset and length in 16 bits, so a wrapping sum passes. */
    static final class CopyCheckWrapsU16 extends BuggyVerification {
        CopyCheckWrapsU16() {
            super((b, c, cmd, uops, count) -> {
                GuestMemory m = c.memory();
                if (is(cmd, GrantTableOp.COPY) && count == 1) {
                    int srcOff = Short.toUnsignedInt(m.getShort(uops + GnttabCopyLayout.SOURCE_OFFSET
                            + GnttabCopyLayout.PTR_OFFSET_OFFSET));
                    int dstOff = Short.toUnsignedInt(m.getShort(uops + GnttabCopyLayout.DEST_OFFSET
                            + GnttabCopyLayout.PTR_OFFSET_OFFSET));
                    int len = Short.toUnsignedInt(m.getShort(uops + GnttabCopyLayout.LEN_OFFSET));
                    boolean wrapsThrough = ((srcOff + len) & 0xFFFF) <= 4096 && ((dstOff + len) & 0xFFFF) <= 4096;
                    if (wrapsThrough && (srcOff + len > 4096 || dstOff + len > 4096)) {
                        m.setShort(uops + GnttabCopyLayout.STATUS_OFFSET, (short) OKAY); // "copied"
                        return 0;
                    }
                }
                return b.real(c, cmd, uops, count);
            });
        }
    }

    /**
     * GNT-13: nr_frames is checked against the maximum, but the frame list is written element by element as
     * far as it fits in the caller's memory before the output array's bounds are checked.
     */
    static final class SetupWritesWhatFits extends BuggyVerification {
        SetupWritesWhatFits() {
            super((b, c, cmd, uops, count) -> {
                GuestMemory m = c.memory();
                if (is(cmd, GrantTableOp.SETUP_TABLE) && count == 1) {
                    long nr = Integer.toUnsignedLong(m.getInt(uops + GnttabSetupTableLayout.NR_FRAMES_OFFSET));
                    long list = m.getLong(uops + GnttabSetupTableLayout.FRAME_LIST_OFFSET);
                    long size = GuestMemory.gpaOf(m.frames());
                    if (nr <= b.tables.querySize(c.domid(), io.pvkit.abi.DomId.SELF).maxFrames()) {
                        for (long i = 0; i < nr; i++) {
                            long at = list + 8 * i;
                            if (at >= 0 && at <= size - 8) {
                                m.setLong(at, m.frames() - PvGrantHypervisor.TABLE_FRAMES + i);
                            }
                        }
                    }
                }
                return b.real(c, cmd, uops, count);
            });
        }
    }

    /**
     * GNT-18 only: releasing a copy's source clears GTF_reading although a mapping of the entry remains (no
     * single-rule test copies from a mapped entry and then looks at the busy bits; the model does).
     */
    static final class CopyReleaseClearsReading extends BuggyVerification {
        CopyReleaseClearsReading() {
            super((b, c, cmd, uops, count) -> {
                long rc = b.real(c, cmd, uops, count);
                GuestMemory m = c.memory();
                if (is(cmd, GrantTableOp.COPY) && count == 1 && m.getShort(uops + GnttabCopyLayout.STATUS_OFFSET) == OKAY
                        && (m.getShort(uops + GnttabCopyLayout.FLAGS_OFFSET) & GntCopy.SOURCE_GREF) != 0) {
                    int granter = Short.toUnsignedInt(m.getShort(uops + GnttabCopyLayout.SOURCE_OFFSET
                            + GnttabCopyLayout.PTR_DOMID_OFFSET));
                    long ref = Integer.toUnsignedLong(m.getInt(uops + GnttabCopyLayout.SOURCE_OFFSET));
                    if (b.dom(granter) != null && ref < 512) {
                        b.clearBits(granter, ref, GrantFlags.READING);
                    }
                }
                return rc;
            });
        }
    }

    /** GNT-19: deferred ends of views are never retried, so a view held by I/O at unmap leaks its pin forever. */
    static final class DeferredCloseNeverRetried extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new PvGrantHypervisor() {
                @Override
                void settle() {
                    // bug: nothing retries the close that in-flight I/O prevented
                }

                @Override
                void release(int domid) {
                    // bug: teardown gives up on views it could not end yet, their pins stay forever
                    for (int i = 0; i < 64 && !tables.releaseDomain(domid, 8); i++) {
                        Thread.onSpinWait();
                    }
                    keepMemory = true;
                }
            };
        }
    }

    /**
     * GNT-19: a close that fails because I/O holds the view is "handled" by dropping the pin anyway: the
     * granter can revoke and reuse a page that a live view still reads and writes.
     */
    static final class UnpinsWhileViewLives extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
                /** The view of every mapping, by (mapper, handle). */
                final Map<Long, MemorySegment> views = new HashMap<>();

                @Override
                long bug(HypercallContext c, long cmd, long uops, long count) {
                    GuestMemory m = c.memory();
                    long key = is(cmd, GrantTableOp.UNMAP_GRANT_REF) && count == 1 ? ((long) c.domid() << 32)
                            | (m.getInt(uops + GnttabUnmapGrantRefLayout.HANDLE_OFFSET) & 0xFFFFFFFFL) : -1;
                    long[] mapped = key >= 0 ? maps.get(key) : null;
                    long rc = real(c, cmd, uops, count);
                    if (is(cmd, GrantTableOp.MAP_GRANT_REF) && count == 1
                            && m.getShort(uops + GnttabMapGrantRefLayout.STATUS_OFFSET) == OKAY) {
                        int handle = m.getInt(uops + GnttabMapGrantRefLayout.HANDLE_OFFSET);
                        views.put(((long) c.domid() << 32) | (handle & 0xFFFFFFFFL), tables.segmentOf(c.domid(), handle));
                    }
                    MemorySegment view = key >= 0 ? views.remove(key) : null;
                    if (mapped != null && view != null && view.scope().isAlive() && dom((int) mapped[0]) != null) {
                        clearBits((int) mapped[0], mapped[1], GrantFlags.READING | GrantFlags.WRITING);
                    }
                    return rc;
                }
            };
        }
    }

    /**
     * GNT-22: the teardown first unmaps the domain's mappings and waits until their views have ended, and only
     * then makes the domain dead: while it waits, the dying domain maps and is mapped like a live one.
     */
    static final class TeardownLeavesDomainAlive extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
                @Override
                void release(int domid) {
                    java.util.List<long[]> held = new java.util.ArrayList<>();
                    for (Map.Entry<Long, long[]> e : maps.entrySet()) {
                        if (e.getKey() >>> 32 == domid) {
                            tables.unmap(domid, (int) e.getKey().longValue());
                            held.add(e.getValue());
                        }
                    }
                    long deadline = System.nanoTime() + 20_000_000_000L;
                    for (long[] m : held) {
                        while (tables.pins((int) m[0], (int) m[1]).total() > 0 && System.nanoTime() < deadline) {
                            tables.reap();
                            Thread.onSpinWait();
                        }
                    }
                    super.release(domid);
                }
            };
        }
    }

    // ------------------------------------------------------------------ hostile entries (GNT-20, GNT-21)
    // pv-grant is correct; each bug sits in the MemoryAccess pv-grant reaches the granter's entries through,
    // between pv-grant and the kit's HostileMemory, and acts exactly like an implementation with that bug.
    // Entries are 8 bytes in page-aligned table frames: the flags+domid word at 0 mod 8, the frame at 4 mod 8.

    /** GNT-20: every frame is fetched twice; the second value is the one validated and used (a double fetch). */
    static final class FrameDoubleFetch extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new PvGrantHypervisor() {
                @Override
                MemoryAccess entries(MemoryAccess kitView) {
                    return new ForwardingMemoryAccess(kitView) {
                        @Override
                        public int getIntVolatile(long gpa) {
                            int first = delegate().getIntVolatile(gpa);
                            return gpa % 8 == 4 ? delegate().getIntVolatile(gpa) : first;
                        }
                    };
                }
            };
        }
    }

    /**
     * GNT-20: the entry is checked on a first load, but the compare-and-swap that sets the busy bits is made on a
     * fresh load, so whatever the granter wrote in between (another grantee, GTF_readonly) gets pinned.
     */
    static final class CheckedThenRefetched extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new PvGrantHypervisor() {
                @Override
                MemoryAccess entries(MemoryAccess kitView) {
                    return new ForwardingMemoryAccess(kitView) {
                        @Override
                        public int compareAndExchangeInt(long gpa, int expect, int update) {
                            int fresh = delegate().getIntVolatile(gpa);
                            int witness = delegate().compareAndExchangeInt(gpa, fresh, fresh | (update & ~expect));
                            return witness == fresh ? expect : witness;
                        }
                    };
                }
            };
        }
    }

    /** GNT-20: the set-status loop retries for as long as the entry keeps naming the same grantee and type. */
    static final class UnboundedCasLoop extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new PvGrantHypervisor() {
                @Override
                MemoryAccess entries(MemoryAccess kitView) {
                    return new ForwardingMemoryAccess(kitView) {
                        @Override
                        public int compareAndExchangeInt(long gpa, int expect, int update) {
                            int bits = update & ~expect;
                            int seen = expect;
                            for (int attempt = 0; attempt < 1_000_000; attempt++) {
                                int witness = delegate().compareAndExchangeInt(gpa, seen, seen | bits);
                                if (witness == seen) {
                                    return expect;
                                }
                                int same = GrantFlags.TYPE_MASK | GrantFlags.READONLY | 0xFFFF_0000;
                                if ((witness & same) != (expect & same)) {
                                    return witness;
                                }
                                seen = witness;
                            }
                            return seen;
                        }
                    };
                }
            };
        }
    }

    /**
     * GNT-21: the frame is fetched together with the flags+domid word, before the compare-and-swap, and that
     * early value is used: a frame the granter had not published yet when it was read.
     */
    static final class FrameReadBeforeFlags extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new PvGrantHypervisor() {
                @Override
                MemoryAccess entries(MemoryAccess kitView) {
                    return new ForwardingMemoryAccess(kitView) {
                        final Map<Long, Integer> early = new HashMap<>();

                        @Override
                        public int getIntVolatile(long gpa) {
                            if (gpa % 8 == 0) {
                                early.put(gpa + 4, delegate().getIntVolatile(gpa + 4));
                                return delegate().getIntVolatile(gpa);
                            }
                            Integer frame = early.remove(gpa);
                            return frame != null ? frame : delegate().getIntVolatile(gpa);
                        }
                    };
                }
            };
        }
    }

    /** FE-10: the frontend shares a page without zeroing it. */
    static final class NoZeroing extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new PvGrantHypervisor();
        }

        @Override
        protected GrantingGuest createGrantingGuest(DomainUnderTest domain, MemoryAccess memory, long[] tableFrames) {
            GuestGrantTable t = new GuestGrantTable(memory, tableFrames);
            return new GuestGrantBugs.Decorated(PvGrantConformanceTest.guestOf(t)) {
                @Override
                public int sharePage(int domid, long gfn, boolean readOnly) {
                    return t.grantAccess(domid, gfn, readOnly);
                }
            };
        }
    }

    static Stream<Arguments> brokenImplementations() {
        return Stream.of(
                Arguments.of("GNT-01", NoRangeCheck.class, Set.of()),
                Arguments.of("GNT-01", MapArgumentBugs.RefZeroIsBadGntref.class, Set.of()),
                Arguments.of("GNT-10", TableBugs.CopyIgnoresSourceOffset.class, Set.of("GNT-27", "GNT-40", "GNT-41",
                        "GNT-43")),
                Arguments.of("GNT-02", PositiveStatus.class, Set.of("GNT-22", "GNT-23")),
                Arguments.of("GNT-02", TableBugs.DevicePinLooksIdle.class, Set.of()),
                Arguments.of("GNT-23", TableBugs.GranterPastTheDomainTableIsGeneralError.class, Set.of()),
                Arguments.of("GNT-03", WritableMapOfReadOnlyGrant.class, Set.of("GNT-06", "GNT-18", "GNT-20", "GNT-29",
                        "GNT-41")),
                Arguments.of("GNT-04", ReadOnlyUnmapClearsWriting.class, Set.of("GNT-29", "GNT-40", "GNT-44")),
                Arguments.of("GNT-04", TableBugs.UpgradeLeavesWritingClear.class, Set.of("GNT-06", "GNT-44")),
                Arguments.of("GNT-04", TableBugs.DeviceWritersOfOtherHandlesForgotten.class, Set.of("GNT-29")),
                Arguments.of("GNT-05", UnmapClearsReading.class, Set.of("GNT-06", "GNT-18", "GNT-36", "GNT-40")),
                Arguments.of("GNT-06", CopyRereadsEntry.class, Set.of("GNT-20", "GNT-27")),
                Arguments.of("GNT-06", CopyRevalidatesLiveFlags.class, Set.of()),
                Arguments.of("GNT-06", TableBugs.PinnedCopyRewritesTheEntry.class, Set.of()),
                Arguments.of("GNT-27", TableBugs.FrameZeroIsBadPage.class, Set.of()),
                Arguments.of("GNT-29", TableBugs.CopyIgnoresPinBound.class, Set.of()),
                Arguments.of("GNT-07", MapOfRevokedEntry.class, Set.of("GNT-21")),
                Arguments.of("GNT-08", BadHandleIsOkay.class, Set.of("GNT-09")),
                Arguments.of("GNT-08", TableBugs.HiddenLookupFailure.class, Set.of("GNT-09")),
                Arguments.of("GNT-09", NoSpaceIsGeneralError.class, Set.of()),
                Arguments.of("GNT-09", NoMaptrackLimitDeclared.class, Set.of()),
                Arguments.of("GNT-09", MaptrackLimitNotEnforced.class, Set.of()),
                Arguments.of("GNT-10", CopyBatchStopsEarly.class, Set.of()),
                Arguments.of("GNT-10", CopyCheckWrapsU16.class, Set.of()),
                Arguments.of("GNT-11", FollowsTransitive.class, Set.of("GNT-06")),
                Arguments.of("GNT-13", SetupWritesBeforeCheck.class, Set.of()),
                Arguments.of("GNT-13", SetupWritesWhatFits.class, Set.of()),
                Arguments.of("GNT-14", DeathKeepsMappings.class, Set.of("GNT-19", "GNT-22", "GNT-35", "GNT-36",
                        "GNT-43")),
                Arguments.of("GNT-14", TableBugs.TeardownDoneWhileItsGrantsAreMapped.class, Set.of("GNT-43")),
                Arguments.of("GNT-14", TableBugs.TeardownDoneWhileItHoldsMappings.class, Set.of()),
                Arguments.of("GNT-15", ViewOutlivesUnmap.class, Set.of("GNT-19", "GNT-32", "GNT-33", "GNT-35", "GNT-36",
                        "GNT-37", "GNT-38", "GNT-39")),
                Arguments.of("GNT-16", QuerySizeWrongMax.class, Set.of("GNT-26")),
                Arguments.of("GNT-17", FaultSwallowed.class, Set.of()),
                Arguments.of("GNT-17", TopBitCountAccepted.class, Set.of()),
                Arguments.of("GNT-18", CopyReleaseClearsReading.class, Set.of("GNT-06", "GNT-24", "GNT-29", "GNT-44")),
                Arguments.of("GNT-19", DeferredCloseNeverRetried.class, Set.of("GNT-22", "GNT-36", "GNT-39", "GNT-43")),
                Arguments.of("GNT-19", UnpinsWhileViewLives.class, Set.of("GNT-23", "GNT-36", "GNT-37", "GNT-39")),
                Arguments.of("GNT-20", FrameDoubleFetch.class, Set.of()),
                Arguments.of("GNT-20", CheckedThenRefetched.class, Set.of()),
                Arguments.of("GNT-20", UnboundedCasLoop.class, Set.of()),
                Arguments.of("GNT-21", FrameReadBeforeFlags.class, Set.of()),
                Arguments.of("GNT-22", TeardownLeavesDomainAlive.class, Set.of()),
                Arguments.of("GNT-23", StatusBugs.KindlessMapIsHostMap.class, Set.of()),
                Arguments.of("GNT-23", MapArgumentBugs.ContainsPteIgnored.class, Set.of()),
                Arguments.of("GNT-23", StatusBugs.UnknownGranterIsGeneralError.class, Set.of()),
                Arguments.of("GNT-23", StatusBugs.SelfAsGranterIsTheCaller.class, Set.of()),
                Arguments.of("GNT-23", StatusBugs.UnmapIgnoresAddresses.class, Set.of()),
                Arguments.of("GNT-23", StatusBugs.UnmapOfNoPartUnmapsAll.class, Set.of()),
                Arguments.of("GNT-24", StatusBugs.FirstTableFrameOnly.class, Set.of()),
                Arguments.of("GNT-24", TableBugs.FirstRefOfSecondFrameFails.class, Set.of()),
                Arguments.of("GNT-24", TableBugs.GrowthDropsPins.class, Set.of()),
                Arguments.of("GNT-25", StatusBugs.ContinuationSkipsAnElement.class, Set.of()),
                Arguments.of("GNT-25", StatusBugs.BatchRunsOnePastTheEnd.class, Set.of()),
                Arguments.of("GNT-25", StatusBugs.SingleOpsTakeAnyCount.class, Set.of()),
                Arguments.of("GNT-25", StatusBugs.UnknownCommandIsDone.class, Set.of()),
                Arguments.of("GNT-26", StatusBugs.SetupRefusesTheMaximum.class, Set.of()),
                Arguments.of("GNT-26", StatusBugs.AnyoneQueriesAnySize.class, Set.of()),
                Arguments.of("GNT-26", StatusBugs.PrivilegeCheckedBeforeLookup.class, Set.of()),
                Arguments.of("GNT-26", StatusBugs.GetVersionOfAnyone.class, Set.of()),
                Arguments.of("GNT-26", StatusBugs.SetVersionAcceptsAnything.class, Set.of()),
                Arguments.of("GNT-26", StatusBugs.PrivilegedQueryRefused.class, Set.of()),
                Arguments.of("GNT-27", StatusBugs.ForeignFrameIsBadPage.class, Set.of()),
                Arguments.of("GNT-27", StatusBugs.BadPageIsGeneralError.class, Set.of()),
                Arguments.of("GNT-27", StatusBugs.CopyUnknownGranterIsGeneralError.class, Set.of()),
                Arguments.of("GNT-27", StatusBugs.CopyOfPinnedEntryByAnyone.class, Set.of("GNT-29")),
                Arguments.of("GNT-27", StatusBugs.CopyLeavesWritingOnPinnedEntry.class, Set.of("GNT-29", "GNT-42",
                        "GNT-44")),
                Arguments.of("GNT-27", StatusBugs.BadFrameLeavesReading.class, Set.of()),
                Arguments.of("GNT-27", StatusBugs.CopyUnionTruncated.class, Set.of()),
                Arguments.of("GNT-27", StatusBugs.CopyRefReadAs64Bits.class, Set.of()),
                Arguments.of("GNT-28", StatusBugs.HandsOutReservedRefs.class,
                        Set.of("FE-09", "FE-11", "FE-12", "FE-13", "FE-14", "FE-15", "FE-16")),
                Arguments.of("GNT-28", StatusBugs.OneRefForAll.class, Set.of("FE-11", "FE-14")),
                Arguments.of("GNT-28", StatusBugs.GrantsAlwaysWritable.class, Set.of("FE-11", "FE-13", "FE-14", "FE-16")),
                Arguments.of("GNT-28", StatusBugs.FreesRefStillInUse.class, Set.of("FE-14")),
                Arguments.of("GNT-09", MaptrackBugs.MaptrackNeverGrows.class, Set.of("GNT-29", "GNT-30", "GNT-41")),
                Arguments.of("GNT-09", MaptrackBugs.FreeListDoesNotGrow.class, Set.of("GNT-29", "GNT-41")),
                Arguments.of("GNT-09", MaptrackBugs.GrowthDropsFreeSlots.class, Set.of("GNT-41")),
                Arguments.of("GNT-08", MaptrackBugs.HugeHandleIsGeneralError.class, Set.of("GNT-09")),
                Arguments.of("GNT-30", MaptrackBugs.OneGenerationBit.class, Set.of()),
                Arguments.of("GNT-19", MaptrackBugs.DevicePinLeaksWhenHostDeferred.class, Set.of("GNT-37")),
                Arguments.of("GNT-29", MaptrackBugs.PinCounterUnchecked.class, Set.of()),
                Arguments.of("GNT-29", MaptrackBugs.AnyCounterAtItsBoundRefuses.class, Set.of()),
                Arguments.of("GNT-30", MaptrackBugs.HandleWithoutGeneration.class, Set.of()),
                Arguments.of("GNT-09", MaptrackBugs.SlotReuseOverflowsTheHandle.class, Set.of("GNT-30")),
                Arguments.of("GNT-09", MaptrackBugs.HandlePastTheSlotsIsGeneralError.class, Set.of()),
                Arguments.of("GNT-31", TableBugs.SwapIgnoresPins.class, Set.of()),
                Arguments.of("GNT-31", TableBugs.SwapChecksOnlyRefA.class, Set.of()),
                Arguments.of("GNT-31", EdgeBugs.SwapRefusesReferenceZero.class, Set.of()),
                Arguments.of("GNT-16", EdgeBugs.SetupRefusesZeroFrames.class, Set.of()),
                Arguments.of("GNT-23", EdgeBugs.UnmapChecksTheHostAddressOfADeviceMapping.class, Set.of()),
                Arguments.of("GNT-06", EdgeBugs.WritableUseOfAPinnedEntryRechecksTheGrantee.class, Set.of()),
                Arguments.of("GNT-15", EdgeBugs.SecondViewOutlivesUnmap.class, Set.of("GNT-35", "GNT-37", "GNT-38", "GNT-39")),
                Arguments.of("GNT-22", EdgeBugs.DyingDomainUnmapHitsAnInternalError.class, Set.of()),
                Arguments.of("GNT-27", CopyPathBugs.SelfGrantCopiedAsFrame.class, Set.of()),
                Arguments.of("GNT-22", CopyPathBugs.DyingCallerCopyHitsAnInternalError.class, Set.of()),
                Arguments.of("GNT-40", CopyPinBugs.UnmapForgetsTheCopy.class, Set.of()),
                Arguments.of("GNT-40", CopyPinBugs.ForeignMapOfACopiedEntry.class, Set.of()),
                Arguments.of("GNT-41", CopyPinBugs.PinBoundIgnoresTheCopy.class, Set.of()),
                Arguments.of("GNT-42", CopyPinBugs.CopyIntoHeldEntrySkipsItsStatus.class, Set.of()),
                Arguments.of("GNT-42", CopyPinBugs.CopyIntoHeldEntryRechecksTheGrantee.class, Set.of()),
                Arguments.of("GNT-43", CopyTeardownBugs.TeardownIgnoresCopiesInFlight.class, Set.of()),
                Arguments.of("GNT-43", CopyTeardownBugs.TeardownIgnoresCopiesIntoIt.class, Set.of()),
                Arguments.of("GNT-43", CopyTeardownBugs.CopyThrowsWhenItsGranterDiesMeanwhile.class, Set.of()),
                Arguments.of("GNT-43", CopyTeardownBugs.CopyAnswersOkayWithoutTheBytes.class, Set.of()),
                Arguments.of("GNT-44", EntryRaceBugs.UnmapDecidesItsLastPinEarly.class, Set.of()),
                Arguments.of("GNT-44", EntryRaceBugs.MapDecidesThePinEarly.class, Set.of()),
                Arguments.of("GNT-32", ViewBugs.ScalarsBigEndian.class, Set.of("GNT-37")),
                Arguments.of("GNT-33", ViewBugs.FrameBoundsNotChecked.class, Set.of()),
                Arguments.of("GNT-34", ViewBugs.ReadOnlyMappingWritable.class, Set.of()),
                Arguments.of("GNT-35", ViewBugs.ScalarReadsUnchecked.class, Set.of("GNT-37", "GNT-38", "GNT-39")),
                Arguments.of("GNT-36", ViewBugs.ChannelReadNotPinned.class, Set.of("GNT-39")),
                Arguments.of("GNT-37", ReleaseBugs.DeviceUnmapEndsHostAccessors.class, Set.of()),
                Arguments.of("GNT-38", ReleaseBugs.ForeignReleaseWaitsForSettle.class, Set.of()),
                Arguments.of("GNT-39", ReleaseBugs.ReleaseIgnoresFrameInFlight.class, Set.of()),
                Arguments.of("GNT-39", ReleaseBugs.SettleCompletesEveryWaitingRelease.class, Set.of()),
                Arguments.of("GNT-39", ReleaseBugs.MappingThreadOutlivesForeignUnmap.class, Set.of()),
                Arguments.of("FE-09", PlainStoreRevoke.class, Set.of("FE-12", "FE-13", "FE-14", "GNT-28")),
                Arguments.of("FE-10", NoZeroing.class, Set.of()),
                Arguments.of("FE-11", GuestGrantBugs.FlagsBeforeFrame.class, Set.of()),
                Arguments.of("FE-11", GuestGrantBugs.FlagsPlainStore.class, Set.of()),
                Arguments.of("FE-12", GuestGrantBugs.EndsAnyReference.class, Set.of()),
                Arguments.of("FE-13", GuestGrantBugs.CheckThenStore.class, Set.of()),
                Arguments.of("FE-14", GuestGrantBugs.FreesTwice.class, Set.of()),
                Arguments.of("FE-14", GuestGrantBugs.LeaksRevokedRefs.class, Set.of()),
                Arguments.of("FE-15", GuestGrantBugs.ReservedGrantOfAnyRef.class, Set.of()),
                Arguments.of("FE-15", GuestGrantBugs.NoTargetCheck.class, Set.of()),
                Arguments.of("FE-16", GuestGrantBugs.QueryOwnCopy.class, Set.of()));
    }

    /** The rules whose checks hold an operation stopped for a window ({@link RaceWindow}) while another thread runs. */
    private static final Set<String> WINDOWED = Set.of("GNT-43", "GNT-44");
    /** The window for the bugs that must pass GNT-43 and GNT-44: a shorter window only makes those rules easier. */
    private static final String SHORT_WINDOW_MILLIS = "5";

    /**
     * Runs the kit against {@code broken}: with the rules' own windows when it must fail GNT-43 or GNT-44, else with
     * a {@value #SHORT_WINDOW_MILLIS} ms window (those rules must pass, which a shorter window cannot prevent for a
     * bug they do not catch; it saves about three seconds per bug).
     */
    private static SelfTestReport runWithWindowFor(String rule, Set<String> alsoFailing, Class<?> broken) {
        if (WINDOWED.contains(rule) || alsoFailing.stream().anyMatch(WINDOWED::contains)
                || System.getProperty(RaceWindow.PROPERTY) != null) {
            return SelfTest.run(broken);
        }
        System.setProperty(RaceWindow.PROPERTY, SHORT_WINDOW_MILLIS);
        try {
            return SelfTest.run(broken);
        } finally {
            System.clearProperty(RaceWindow.PROPERTY);
        }
    }

    /**
     * Each broken implementation fails exactly its rules, in every run: nothing depends on the scheduler (the
     * hostile rules change entries through HostileMemory, not racing threads). {@code -Dpvkit.selftest.repeat=N}
     * runs each one N times in a row (1 in the build).
     */
    @ParameterizedTest(name = "{0} catches {1} (also failing: {2})")
    @MethodSource("brokenImplementations")
    void shouldFailTheRuleTheBugBreaks(String rule, Class<?> broken, Set<String> alsoFailing) {
        int repeat = Integer.getInteger("pvkit.selftest.repeat", 1);
        for (int run = 1; run <= repeat; run++) {
            String which = broken.getSimpleName() + " (run " + run + " of " + repeat + ")";
            SelfTestReport report = runWithWindowFor(rule, alsoFailing, broken);
            assertEquals(Outcome.FAILURE, report.ruleOutcomes().get(rule),
                    rule + " must FAIL (an assertion, not an error in setup) for " + which + ": " + report);
            Set<String> expected = Stream.concat(Stream.of(rule), alsoFailing.stream()).collect(Collectors.toSet());
            assertEquals(expected, Set.copyOf(report.failedRules()), "exactly these rules fail for " + which + ": " + report);
            assertTrue(report.unmappedProblems().isEmpty(), report::toString);
            assertFalse(report.failuresOf(rule).isEmpty(), report::toString);
        }
    }

    @ParameterizedTest(name = "pv-grant passes with {0}")
    @ValueSource(classes = {PvGrantConformanceTest.class, PvGrantConfinedConformanceTest.class})
    void shouldPassEveryRuleWithPvGrant(Class<?> conformance) {
        SelfTestReport report = SelfTest.run(conformance);
        assertTrue(report.failedRules().isEmpty(), "pv-grant fails " + report.failedRules() + ": " + report);
        assertTrue(report.skippedRules().isEmpty(), "nothing skipped for pv-grant: " + report.skippedRules());
        assertTrue(report.unmappedProblems().isEmpty(), report::toString);
        for (var rule : new GrantRules().rules()) {
            assertTrue(report.passedRules().contains(rule.id()), rule.id() + " has a passing test");
        }
    }

    /** The toy granting guest the FE-11 .. FE-16 bugs are planted in passes every rule without a flaw. */
    @Test
    void shouldPassEveryRuleWithTheToyGrantingGuest() {
        SelfTestReport report = SelfTest.run(GuestGrantBugs.CorrectToy.class);
        assertTrue(report.failedRules().isEmpty(), "the toy fails " + report.failedRules() + ": " + report);
        assertTrue(report.skippedRules().isEmpty(), "nothing skipped for the toy: " + report.skippedRules());
    }

    @Test
    void shouldPassEveryRuleWithAGuestThatPublishesAsLinuxDoes() {
        // frame, domid, MemoryAccess.releaseFence(), a plain 16-bit flags store: the wmb() of grant_table.h
        SelfTestReport report = SelfTest.run(GuestGrantBugs.LinuxPublishToy.class);
        assertTrue(report.failedRules().isEmpty(), "the Linux-shaped toy fails " + report.failedRules() + ": " + report);
        assertTrue(report.skippedRules().isEmpty(), "nothing skipped: " + report.skippedRules());
        // the same with a fence the kit cannot see is a plain store as far as any watcher of the memory can tell
        assertEquals(Set.of("FE-11"), SelfTest.run(GuestGrantBugs.UnseenFence.class).failedRules());
    }

    @Test
    void shouldRegisterEveryRuleInTheCatalogue() {
        for (var rule : new GrantRules().rules()) {
            assertEquals(rule, RuleCatalogue.find(rule.id()).orElseThrow());
        }
        assertEquals(51, new GrantRules().rules().size());
        Set<String> caught = brokenImplementations().map(a -> (String) a.get()[0]).collect(Collectors.toSet());
        Set<String> ids = new GrantRules().rules().stream().map(Rule::id).collect(Collectors.toSet());
        assertEquals(ids, caught, "a broken implementation per rule");
    }
}
