package io.pvkit.conformance.grant;

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
import io.pvkit.conformance.RuleCatalogue;
import io.pvkit.conformance.selftest.SelfTest;
import io.pvkit.conformance.selftest.SelfTestReport;
import io.pvkit.conformance.spi.DomainUnderTest;
import io.pvkit.conformance.spi.HypervisorUnderTest;
import io.pvkit.grant.GuestGrantTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each grant rule catches a deliberately broken implementation; pv-grant itself passes every rule. */
class GrantTableVerificationSelfTest {
    private static final int OKAY = GrantStatus.OKAY.code();

    // ------------------------------------------------------------------------- decorating helpers

    /** A pv-grant hypervisor whose grant_table_op has one bug, applied per single-element call. */
    abstract static class Buggy extends PvGrantHypervisor {
        /** Map handles to (granter, ref, readOnly) for bugs that need to find an entry. */
        final Map<Long, long[]> maps = new HashMap<>();

        @Override
        long grantTableOp(HypercallContext ctx, long cmd, long uops, long count) {
            if (count != 1) {
                return bug(ctx, cmd, uops, count);
            }
            long rc = bug(ctx, cmd, uops, count);
            GuestMemory m = ctx.memory();
            if (rc == 0 && cmd == GrantTableOp.MAP_GRANT_REF.code()
                    && m.getShort(uops + GnttabMapGrantRefLayout.STATUS_OFFSET) == OKAY) {
                maps.put(((long) ctx.domid() << 32) | (m.getInt(uops + GnttabMapGrantRefLayout.HANDLE_OFFSET) & 0xFFFFFFFFL),
                        new long[] {Short.toUnsignedInt(m.getShort(uops + GnttabMapGrantRefLayout.DOM_OFFSET)),
                                Integer.toUnsignedLong(m.getInt(uops + GnttabMapGrantRefLayout.REF_OFFSET)),
                                (m.getInt(uops + GnttabMapGrantRefLayout.FLAGS_OFFSET) & GntMap.READONLY) != 0 ? 1 : 0});
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
        protected GrantingGuest createGrantingGuest(DomainUnderTest domain, long[] tableFrames) {
            return PvGrantConformanceTest.guestOf(new GuestGrantTable(domain.memory(), tableFrames));
        }

        @Override
        protected int maptrackProbeLimit() {
            return 256;
        }
    }

    // ------------------------------------------------------------------------------ one bug each

    /** GNT-01: a map of an out-of-range reference "succeeds" (no range check). */
    static final class NoRangeCheck extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
                @Override
                long bug(HypercallContext c, long cmd, long uops, long count) {
                    if (is(cmd, GrantTableOp.MAP_GRANT_REF)
                            && Integer.toUnsignedLong(c.memory().getInt(uops + GnttabMapGrantRefLayout.REF_OFFSET)) >= 2048) {
                        c.memory().setShort(uops + GnttabMapGrantRefLayout.STATUS_OFFSET, (short) 0);
                        return 0;
                    }
                    return real(c, cmd, uops, count);
                }
            };
        }
    }

    /** GNT-02: a refused map reports status 1 (XSA-316). */
    static final class PositiveStatus extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
                @Override
                long bug(HypercallContext c, long cmd, long uops, long count) {
                    long rc = real(c, cmd, uops, count);
                    if (is(cmd, GrantTableOp.MAP_GRANT_REF)
                            && c.memory().getShort(uops + GnttabMapGrantRefLayout.STATUS_OFFSET) == GrantStatus.GENERAL_ERROR.code()) {
                        c.memory().setShort(uops + GnttabMapGrantRefLayout.STATUS_OFFSET, (short) 1);
                    }
                    return rc;
                }
            };
        }
    }

    /** GNT-03: a refused writable map is quietly retried read-only and reported as success. */
    static final class WritableMapOfReadOnlyGrant extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
                @Override
                long bug(HypercallContext c, long cmd, long uops, long count) {
                    long rc = real(c, cmd, uops, count);
                    GuestMemory m = c.memory();
                    int flags = m.getInt(uops + GnttabMapGrantRefLayout.FLAGS_OFFSET);
                    if (is(cmd, GrantTableOp.MAP_GRANT_REF) && (flags & GntMap.READONLY) == 0
                            && m.getShort(uops + GnttabMapGrantRefLayout.STATUS_OFFSET) == GrantStatus.GENERAL_ERROR.code()) {
                        m.setInt(uops + GnttabMapGrantRefLayout.FLAGS_OFFSET, flags | GntMap.READONLY);
                        rc = real(c, cmd, uops, count);
                        m.setInt(uops + GnttabMapGrantRefLayout.FLAGS_OFFSET, flags);
                    }
                    return rc;
                }
            };
        }
    }

    /** GNT-04: unmapping a read-only mapping also clears GTF_writing. */
    static final class ReadOnlyUnmapClearsWriting extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
                @Override
                long bug(HypercallContext c, long cmd, long uops, long count) {
                    long[] m = is(cmd, GrantTableOp.UNMAP_GRANT_REF) ? maps.get(((long) c.domid() << 32)
                            | (c.memory().getInt(uops + GnttabUnmapGrantRefLayout.HANDLE_OFFSET) & 0xFFFFFFFFL)) : null;
                    long rc = real(c, cmd, uops, count);
                    if (m != null && m[2] == 1 && dom((int) m[0]) != null) {
                        clearBits((int) m[0], m[1], GrantFlags.WRITING);
                    }
                    return rc;
                }
            };
        }
    }

    /** GNT-05: every unmap clears GTF_reading, whatever else is still mapped. */
    static final class UnmapClearsReading extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
                @Override
                long bug(HypercallContext c, long cmd, long uops, long count) {
                    long[] m = is(cmd, GrantTableOp.UNMAP_GRANT_REF) ? maps.get(((long) c.domid() << 32)
                            | (c.memory().getInt(uops + GnttabUnmapGrantRefLayout.HANDLE_OFFSET) & 0xFFFFFFFFL)) : null;
                    long rc = real(c, cmd, uops, count);
                    if (m != null && m[2] == 1 && dom((int) m[0]) != null) {
                        clearBits((int) m[0], m[1], GrantFlags.READING);
                    }
                    return rc;
                }
            };
        }
    }

    /** GNT-06: copy re-reads the frame from the shared entry instead of the pinned snapshot. */
    static final class CopyRereadsEntry extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
                @Override
                long bug(HypercallContext c, long cmd, long uops, long count) {
                    long rc = real(c, cmd, uops, count);
                    GuestMemory m = c.memory();
                    if (is(cmd, GrantTableOp.COPY) && m.getShort(uops + GnttabCopyLayout.STATUS_OFFSET) == OKAY
                            && (m.getShort(uops + GnttabCopyLayout.FLAGS_OFFSET) & GntCopy.SOURCE_GREF) != 0
                            && (m.getShort(uops + GnttabCopyLayout.FLAGS_OFFSET) & GntCopy.DEST_GREF) == 0) {
                        int granter = Short.toUnsignedInt(m.getShort(uops + GnttabCopyLayout.SOURCE_OFFSET
                                + GnttabCopyLayout.PTR_DOMID_OFFSET));
                        long ref = Integer.toUnsignedLong(m.getInt(uops + GnttabCopyLayout.SOURCE_OFFSET));
                        GuestMemory g = dom(granter).memory;
                        long frame = Integer.toUnsignedLong(g.getInt(entry(granter, ref) + GrantEntryV1Layout.FRAME_OFFSET));
                        long dst = m.getLong(uops + GnttabCopyLayout.DEST_OFFSET);
                        int len = Short.toUnsignedInt(m.getShort(uops + GnttabCopyLayout.LEN_OFFSET));
                        MemorySegment.copy(g.segment(), GuestMemory.gpaOf(frame), m.segment(), GuestMemory.gpaOf(dst), len);
                    }
                    return rc;
                }
            };
        }
    }

    /** GNT-07: map does not set GTF_reading/GTF_writing, so revoke succeeds while mapped. */
    static final class MapWithoutBusyBits extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
                @Override
                long bug(HypercallContext c, long cmd, long uops, long count) {
                    long rc = real(c, cmd, uops, count);
                    GuestMemory m = c.memory();
                    if (is(cmd, GrantTableOp.MAP_GRANT_REF) && m.getShort(uops + GnttabMapGrantRefLayout.STATUS_OFFSET) == OKAY) {
                        clearBits(Short.toUnsignedInt(m.getShort(uops + GnttabMapGrantRefLayout.DOM_OFFSET)),
                                Integer.toUnsignedLong(m.getInt(uops + GnttabMapGrantRefLayout.REF_OFFSET)),
                                GrantFlags.READING | GrantFlags.WRITING);
                    }
                    return rc;
                }
            };
        }
    }

    /** GNT-08: a double or bogus unmap reports success. */
    static final class BadHandleIsOkay extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
                @Override
                long bug(HypercallContext c, long cmd, long uops, long count) {
                    long rc = real(c, cmd, uops, count);
                    if (is(cmd, GrantTableOp.UNMAP_GRANT_REF)
                            && c.memory().getShort(uops + GnttabUnmapGrantRefLayout.STATUS_OFFSET) == GrantStatus.BAD_HANDLE.code()) {
                        c.memory().setShort(uops + GnttabUnmapGrantRefLayout.STATUS_OFFSET, (short) 0);
                    }
                    return rc;
                }
            };
        }
    }

    /** GNT-09: a full maptrack is reported as a general error. */
    static final class NoSpaceIsGeneralError extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
                @Override
                long bug(HypercallContext c, long cmd, long uops, long count) {
                    long rc = real(c, cmd, uops, count);
                    if (is(cmd, GrantTableOp.MAP_GRANT_REF)
                            && c.memory().getShort(uops + GnttabMapGrantRefLayout.STATUS_OFFSET) == GrantStatus.NO_SPACE.code()) {
                        c.memory().setShort(uops + GnttabMapGrantRefLayout.STATUS_OFFSET,
                                (short) GrantStatus.GENERAL_ERROR.code());
                    }
                    return rc;
                }
            };
        }
    }

    /** GNT-10: a copy batch stops at the first failing element and leaves later statuses untouched (XSA-318). */
    static final class CopyBatchStopsEarly extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
                @Override
                long bug(HypercallContext c, long cmd, long uops, long count) {
                    if (!is(cmd, GrantTableOp.COPY)) {
                        return real(c, cmd, uops, count);
                    }
                    for (long i = 0; i < count; i++) {
                        long e = uops + i * GnttabCopyLayout.SIZE;
                        long rc = real(c, cmd, e, 1);
                        if (rc != 0 || c.memory().getShort(e + GnttabCopyLayout.STATUS_OFFSET) != OKAY) {
                            return rc;
                        }
                    }
                    return 0;
                }
            };
        }
    }

    /** GNT-11: transitive and sub-page entries are treated as plain permit_access entries. */
    static final class FollowsTransitive extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
                @Override
                long bug(HypercallContext c, long cmd, long uops, long count) {
                    if (is(cmd, GrantTableOp.MAP_GRANT_REF)) {
                        int granter = Short.toUnsignedInt(c.memory().getShort(uops + GnttabMapGrantRefLayout.DOM_OFFSET));
                        long ref = Integer.toUnsignedLong(c.memory().getInt(uops + GnttabMapGrantRefLayout.REF_OFFSET));
                        if (dom(granter) != null && ref < 512) {
                            long e = entry(granter, ref);
                            int w = dom(granter).memory.getIntVolatile(e);
                            if ((w & GrantFlags.TYPE_MASK) == GrantFlags.TRANSITIVE || (w & GrantFlags.SUB_PAGE) != 0) {
                                dom(granter).memory.setIntVolatile(e, (w & ~(GrantFlags.TYPE_MASK | GrantFlags.SUB_PAGE))
                                        | GrantFlags.PERMIT_ACCESS);
                            }
                        }
                    }
                    return real(c, cmd, uops, count);
                }
            };
        }
    }

    /** GNT-13: setup_table writes frame numbers before checking nr_frames. */
    static final class SetupWritesBeforeCheck extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
                @Override
                long bug(HypercallContext c, long cmd, long uops, long count) {
                    if (is(cmd, GrantTableOp.SETUP_TABLE)) {
                        long nr = Integer.toUnsignedLong(c.memory().getInt(uops + GnttabSetupTableLayout.NR_FRAMES_OFFSET));
                        long list = c.memory().getLong(uops + GnttabSetupTableLayout.FRAME_LIST_OFFSET);
                        for (int i = 0; i < Math.min(nr, 8); i++) {
                            c.memory().setLong(list + 8L * i, c.memory().frames() - TABLE_FRAMES + i);
                        }
                    }
                    return real(c, cmd, uops, count);
                }
            };
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
    static final class QuerySizeWrongMax extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
                @Override
                long bug(HypercallContext c, long cmd, long uops, long count) {
                    long rc = real(c, cmd, uops, count);
                    if (is(cmd, GrantTableOp.QUERY_SIZE)) {
                        c.memory().setInt(uops + GnttabQuerySizeLayout.MAX_NR_FRAMES_OFFSET, 0);
                    }
                    return rc;
                }
            };
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

    /** FE-09: the frontend ends access with a plain store, whatever the busy bits say. */
    static final class PlainStoreRevoke extends BrokenVerification {
        @Override
        PvGrantHypervisor broken() {
            return new PvGrantHypervisor();
        }

        @Override
        protected GrantingGuest createGrantingGuest(DomainUnderTest domain, long[] tableFrames) {
            GuestGrantTable t = new GuestGrantTable(domain.memory(), tableFrames);
            return new GrantingGuest() {
                @Override
                public int sharePage(int domid, long gfn, boolean readOnly) {
                    return t.grantZeroedAccess(domid, gfn, readOnly);
                }

                @Override
                public boolean endAccess(int ref) {
                    domain.memory().setShort(t.entryGpa(ref), (short) 0);
                    return true;
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
        protected GrantingGuest createGrantingGuest(DomainUnderTest domain, long[] tableFrames) {
            GuestGrantTable t = new GuestGrantTable(domain.memory(), tableFrames);
            return new GrantingGuest() {
                @Override
                public int sharePage(int domid, long gfn, boolean readOnly) {
                    return t.grantAccess(domid, gfn, readOnly);
                }

                @Override
                public boolean endAccess(int ref) {
                    return t.endAccess(ref) == io.pvkit.grant.RevokeResult.REVOKED;
                }
            };
        }
    }

    static Stream<Arguments> brokenImplementations() {
        return Stream.of(
                Arguments.of("GNT-01", NoRangeCheck.class),
                Arguments.of("GNT-02", PositiveStatus.class),
                Arguments.of("GNT-03", WritableMapOfReadOnlyGrant.class),
                Arguments.of("GNT-04", ReadOnlyUnmapClearsWriting.class),
                Arguments.of("GNT-05", UnmapClearsReading.class),
                Arguments.of("GNT-06", CopyRereadsEntry.class),
                Arguments.of("GNT-07", MapWithoutBusyBits.class),
                Arguments.of("GNT-08", BadHandleIsOkay.class),
                Arguments.of("GNT-09", NoSpaceIsGeneralError.class),
                Arguments.of("GNT-10", CopyBatchStopsEarly.class),
                Arguments.of("GNT-11", FollowsTransitive.class),
                Arguments.of("GNT-13", SetupWritesBeforeCheck.class),
                Arguments.of("GNT-14", DeathKeepsMappings.class),
                Arguments.of("GNT-15", ViewOutlivesUnmap.class),
                Arguments.of("GNT-16", QuerySizeWrongMax.class),
                Arguments.of("GNT-17", FaultSwallowed.class),
                Arguments.of("GNT-18", UnmapClearsReading.class),
                Arguments.of("FE-09", PlainStoreRevoke.class),
                Arguments.of("FE-10", NoZeroing.class));
    }

    @ParameterizedTest(name = "{0} catches {1}")
    @MethodSource("brokenImplementations")
    void shouldFailTheRuleTheBugBreaks(String rule, Class<?> broken) {
        SelfTestReport report = SelfTest.run(broken);
        assertTrue(report.failedRules().contains(rule), rule + " must fail for " + broken.getSimpleName() + ": " + report);
    }

    @Test
    void shouldPassEveryRuleWithPvGrant() {
        SelfTestReport report = SelfTest.run(PvGrantConformanceTest.class);
        assertTrue(report.failedRules().isEmpty(), "pv-grant fails " + report.failedRules() + ": " + report);
        assertTrue(report.skippedRules().isEmpty(), "nothing skipped for pv-grant: " + report.skippedRules());
        for (var rule : new GrantRules().rules()) {
            assertTrue(report.passedRules().contains(rule.id()), rule.id() + " has a passing test");
        }
    }

    @Test
    void shouldRegisterEveryRuleInTheCatalogue() {
        for (var rule : new GrantRules().rules()) {
            assertEquals(rule, RuleCatalogue.find(rule.id()).orElseThrow());
        }
        assertEquals(19, new GrantRules().rules().size());
        assertEquals(brokenImplementations().count(), new GrantRules().rules().size(), "a broken implementation per rule");
    }
}
