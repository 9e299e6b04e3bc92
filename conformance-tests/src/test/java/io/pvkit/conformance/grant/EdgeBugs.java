package io.pvkit.conformance.grant;

import io.pvkit.abi.DomId;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GnttabMapGrantRefLayout;
import io.pvkit.abi.grant.GnttabSetupTableLayout;
import io.pvkit.abi.grant.GnttabSwapGrantRefLayout;
import io.pvkit.abi.grant.GnttabUnmapGrantRefLayout;
import io.pvkit.abi.grant.GrantEntryV1Layout;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.grant.GrantStatus;
import io.pvkit.abi.grant.GrantTableOp;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.conformance.grant.GrantTableVerificationSelfTest.BrokenVerification;
import io.pvkit.conformance.grant.GrantTableVerificationSelfTest.Buggy;
import io.pvkit.conformance.grant.GrantTableVerificationSelfTest.BuggyVerification;
import io.pvkit.conformance.spi.DomainUnderTest;
import io.pvkit.conformance.spi.HypervisorUnderTest;

import java.lang.foreign.MemorySegment;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The broken implementations that the checks added for the survivors of session 6's whole-module PIT run
 * (GrantTables, MapOperation) catch and the kit before them did not: edge values Xen accepts (zero frames, reference
 * 0, a host_addr of a mapping without a host part), the first writable use of a pinned entry, and a second view of
 * one mapping; each a pv-grant hypervisor with one bug, listed in
 * {@link GrantTableVerificationSelfTest#brokenImplementations()}. Not test classes themselves (nested, so no runner
 * selects them).
 */
final class EdgeBugs {
    private EdgeBugs() {
    }

    private static void refuse(GuestMemory m, long statusGpa, GrantStatus st) {
        m.setShort(statusGpa, (short) st.code());
    }

    /** GNT-31: reference 0 is taken as out of range ({@code ref <= 0} instead of {@code < 0}) by swap_grant_ref. */
    static final class SwapRefusesReferenceZero extends BuggyVerification {
        SwapRefusesReferenceZero() {
            super((b, c, cmd, uops, count) -> {
                GuestMemory m = c.memory();
                if (count == 1 && is(cmd, GrantTableOp.SWAP_GRANT_REF)
                        && (m.getInt(uops + GnttabSwapGrantRefLayout.REF_A_OFFSET) == 0
                                || m.getInt(uops + GnttabSwapGrantRefLayout.REF_B_OFFSET) == 0)) {
                    refuse(m, uops + GnttabSwapGrantRefLayout.STATUS_OFFSET, GrantStatus.BAD_GNTREF);
                    return 0;
                }
                return b.real(c, cmd, uops, count);
            });
        }
    }

    /** GNT-16: setup_table with 0 frames is refused ({@code nrFrames <= 0} instead of {@code < 0}). */
    static final class SetupRefusesZeroFrames extends BuggyVerification {
        SetupRefusesZeroFrames() {
            super((b, c, cmd, uops, count) -> {
                GuestMemory m = c.memory();
                if (count == 1 && is(cmd, GrantTableOp.SETUP_TABLE)
                        && m.getInt(uops + GnttabSetupTableLayout.NR_FRAMES_OFFSET) == 0) {
                    refuse(m, uops + GnttabSetupTableLayout.STATUS_OFFSET, GrantStatus.GENERAL_ERROR);
                    return 0;
                }
                return b.real(c, cmd, uops, count);
            });
        }
    }

    /**
     * GNT-23: an unmap compares a non-zero host_addr with the mapping's even when the mapping has no host part
     * ({@code kinds | HOST_MAP} instead of {@code &}), so a device-only mapping unmapped with a host_addr is a
     * general error. Xen acts on host_addr only for a mapping with GNTMAP_host_map.
     */
    static final class UnmapChecksTheHostAddressOfADeviceMapping extends BuggyVerification {
        UnmapChecksTheHostAddressOfADeviceMapping() {
            super((b, c, cmd, uops, count) -> {
                GuestMemory m = c.memory();
                if (count == 1 && is(cmd, GrantTableOp.UNMAP_GRANT_REF)
                        && m.getLong(uops + GnttabUnmapGrantRefLayout.HOST_ADDR_OFFSET) != 0) {
                    long[] mapped = b.maps.get(((long) c.domid() << 32)
                            | (m.getInt(uops + GnttabUnmapGrantRefLayout.HANDLE_OFFSET) & 0xFFFFFFFFL));
                    if (mapped != null && mapped[4] == 0) {
                        refuse(m, uops + GnttabUnmapGrantRefLayout.STATUS_OFFSET, GrantStatus.GENERAL_ERROR);
                        return 0;
                    }
                }
                return b.real(c, cmd, uops, count);
            });
        }
    }

    /**
     * GNT-06: the first writable use of a pinned entry checks the type and domid on the word it swaps again (as for a
     * first pin), so it is refused after the granter re-granted the pinned entry to another domain. Xen's
     * {@code _set_status_v1} checks them only for an entry not pinned yet.
     */
    static final class WritableUseOfAPinnedEntryRechecksTheGrantee extends BuggyVerification {
        WritableUseOfAPinnedEntryRechecksTheGrantee() {
            super((b, c, cmd, uops, count) -> {
                GuestMemory m = c.memory();
                if (count == 1 && is(cmd, GrantTableOp.MAP_GRANT_REF)
                        && (m.getInt(uops + GnttabMapGrantRefLayout.FLAGS_OFFSET) & GntMap.READONLY) == 0) {
                    int granter = Short.toUnsignedInt(m.getShort(uops + GnttabMapGrantRefLayout.DOM_OFFSET));
                    long ref = Integer.toUnsignedLong(m.getInt(uops + GnttabMapGrantRefLayout.REF_OFFSET));
                    PvGrantHypervisor.Dom g = b.dom(granter);
                    if (g != null && ref < 512 && b.tables.pins(granter, (int) ref).total() > 0) {
                        int word = g.memory.getIntVolatile(b.entry(granter, ref) + GrantEntryV1Layout.FLAGS_OFFSET);
                        if ((word & GrantFlags.TYPE_MASK) != GrantFlags.PERMIT_ACCESS || word >>> 16 != c.domid()) {
                            refuse(m, uops + GnttabMapGrantRefLayout.STATUS_OFFSET, GrantStatus.GENERAL_ERROR);
                            return 0;
                        }
                    }
                }
                return b.real(c, cmd, uops, count);
            });
        }
    }

    /**
     * GNT-22: an unmap by a dying domain looks its maptrack up without checking that the domain is still live, and
     * the internal error (pv-grant: a {@code NullPointerException}) is caught and answered as a general error, which
     * the {@code unexpectedErrors} hook reports. The kit never made a dying domain unmap before.
     */
    static final class DyingDomainUnmapHitsAnInternalError extends BuggyVerification {
        DyingDomainUnmapHitsAnInternalError() {
            super((b, c, cmd, uops, count) -> {
                GuestMemory m = c.memory();
                if (count == 1 && is(cmd, GrantTableOp.UNMAP_GRANT_REF)
                        && b.tables.querySize(c.domid(), DomId.SELF).status() == GrantStatus.BAD_DOMAIN.code()) {
                    b.reportError(new NullPointerException("the maptrack of dying domain " + c.domid()));
                    refuse(m, uops + GnttabUnmapGrantRefLayout.STATUS_OFFSET, GrantStatus.GENERAL_ERROR);
                    return 0;
                }
                return b.real(c, cmd, uops, count);
            });
        }

        @Override
        protected List<Throwable> unexpectedErrors(HypervisorUnderTest hypervisor) {
            return ((PvGrantHypervisor) hypervisor).errors();
        }
    }

    /**
     * GNT-15: the view of a mapping asked for a second time is a new one that the mapping's unmap does not end (as a
     * CHECKED mapping whose lazily made segment is made again on each request, its first arena never closed). Emulated
     * by answering the second request with a slice of the granter's memory.
     */
    static final class SecondViewOutlivesUnmap extends BrokenVerification {
        private final Set<Long> asked = new HashSet<>();

        @Override
        PvGrantHypervisor broken() {
            return new Buggy() {
            };
        }

        @Override
        protected MemorySegment mappingView(HypervisorUnderTest hypervisor, DomainUnderTest mapper, int handle) {
            Buggy b = (Buggy) hypervisor;
            long key = ((long) mapper.domid() << 32) | (handle & 0xFFFFFFFFL);
            long[] mapped = b.maps.get(key);
            if (asked.add(key) || mapped == null) {
                return super.mappingView(hypervisor, mapper, handle);
            }
            GuestMemory g = b.dom((int) mapped[0]).memory;
            long frame = Integer.toUnsignedLong(g.getInt(b.entry((int) mapped[0], mapped[1])
                    + GrantEntryV1Layout.FRAME_OFFSET));
            MemorySegment view = g.frame(frame);
            return mapped[2] == 1 ? view.asReadOnly() : view;
        }
    }
}
