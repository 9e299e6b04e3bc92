package io.pvkit.conformance.grant;

import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.conformance.spi.DomainUnderTest;
import io.pvkit.conformance.spi.HypervisorUnderTest;
import io.pvkit.grant.GrantEntrySnapshot;
import io.pvkit.grant.GuestGrantTable;
import io.pvkit.grant.MappingLifetime;
import io.pvkit.grant.RevokeResult;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * pv-grant (GrantTables + GrantTableHypercall + GuestGrantTable) passes the grant-table verification, with
 * {@link MappingLifetime#SHARED} mappings ({@link PvGrantConfinedConformanceTest}: the same with CONFINED).
 */
class PvGrantConformanceTest extends GrantTableVerification {
    /**
     * The per-domain maptrack limit the conformance hypervisor is built with: above pv-grant's initial 64 slots, so
     * that GNT-09 and GNT-30 make the maptrack grow, and above 128, so that GNT-29 reaches a pin counter's bound.
     */
    static final int MAPTRACK_LIMIT = 160;

    /** @return the lifetime of the hypervisor's mappings */
    MappingLifetime lifetime() {
        return MappingLifetime.SHARED;
    }

    @Override
    protected HypervisorUnderTest createHypervisor() {
        return new PvGrantHypervisor(lifetime(), MAPTRACK_LIMIT);
    }

    @Override
    protected int maptrackLimit() {
        return MAPTRACK_LIMIT;
    }

    @Override
    protected MemorySegment mappingView(HypervisorUnderTest hypervisor, DomainUnderTest mapper, int handle) {
        MemorySegment view = ((PvGrantHypervisor) hypervisor).tables.segmentOf(mapper.domid(), handle);
        // pv-grant has a view for every live host mapping (in every lifetime): null would be a pv-grant bug, which the
        // kit would take for "no views" and skip GNT-15 and GNT-19 for
        if (view == null) {
            throw new AssertionError("pv-grant has no view of live host mapping " + handle + " of domain "
                    + mapper.domid());
        }
        return view;
    }

    /**
     * The segment's accesses, as the kit's default; for a handle that is not a live host mapping (GNT-35 asks with the
     * handle of an ended mapping) a segment whose arena is closed: dead accessors, which must refuse every access
     * (never null, which the kit would take for "no accessors" and skip GNT-32 .. GNT-36).
     */
    @Override
    protected MappedFrame mappedFrame(HypervisorUnderTest hypervisor, DomainUnderTest mapper, int handle) {
        MemorySegment view = ((PvGrantHypervisor) hypervisor).tables.segmentOf(mapper.domid(), handle);
        if (view == null) {
            Arena ended = Arena.ofConfined();
            view = ended.allocate(GuestMemory.PAGE_SIZE);
            ended.close();
        }
        return MappedFrame.of(view);
    }

    @Override
    protected void settle(HypervisorUnderTest hypervisor) {
        ((PvGrantHypervisor) hypervisor).settle();
    }

    @Override
    protected List<Throwable> unexpectedErrors(HypervisorUnderTest hypervisor) {
        return ((PvGrantHypervisor) hypervisor).errors();
    }

    @Override
    protected GrantingGuest createGrantingGuest(DomainUnderTest domain, MemoryAccess memory, long[] tableFrames) {
        return guestOf(new GuestGrantTable(memory, tableFrames));
    }

    /**
     * pv-grant's {@link GuestGrantTable} as the kit's {@link GrantingGuest}: {@link GuestGrantTable#endAccess}'s
     * {@link IllegalArgumentException} for a reference it did not hand out is the kit's {@code NOT_GRANTED}.
     * pvkit-cli's {@code ReferenceGrantConformance} has the same adapter on purpose: it runs in the {@code pvkit kit}
     * command, so it is main code, and this class is a test of the kit, which pvkit-cli cannot depend on; one shared
     * copy would need a module that depends on the kit and that the kit's tests depend on, which Maven forbids.
     */
    static GrantingGuest guestOf(GuestGrantTable table) {
        return new GrantingGuest() {
            @Override
            public int sharePage(int domid, long gfn, boolean readOnly) {
                return table.grantZeroedAccess(domid, gfn, readOnly);
            }

            @Override
            public int grantAccess(int domid, long gfn, boolean readOnly) {
                return table.grantAccess(domid, gfn, readOnly);
            }

            @Override
            public void grantReserved(int ref, int domid, long gfn, boolean readOnly) {
                table.grantReserved(ref, domid, gfn, readOnly);
            }

            @Override
            public EndOfAccess endAccess(int ref) {
                RevokeResult result;
                try {
                    result = table.endAccess(ref);
                } catch (IllegalArgumentException notGranted) {
                    return EndOfAccess.NOT_GRANTED;
                }
                return switch (result) { // a null answer is a pv-grant bug: the switch throws
                    case REVOKED -> EndOfAccess.REVOKED;
                    case STILL_IN_USE -> EndOfAccess.STILL_IN_USE;
                };
            }

            @Override
            public Entry query(int ref) {
                GrantEntrySnapshot e = table.query(ref);
                return new Entry(e.flags(), e.domid(), e.frame());
            }

            @Override
            public int freeRefs() {
                return table.freeRefs();
            }
        };
    }
}
