package io.pvkit.cli.kit;

import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.conformance.grant.GrantTableVerification;
import io.pvkit.conformance.grant.GrantingGuest;
import io.pvkit.conformance.spi.DomainUnderTest;
import io.pvkit.conformance.spi.HypervisorUnderTest;
import io.pvkit.grant.GrantEntrySnapshot;
import io.pvkit.grant.GrantTables;
import io.pvkit.grant.GuestGrantTable;
import io.pvkit.grant.RevokeResult;

/**
 * The reference hypervisor's full dispatch path against the kit's grant-table rules (GNT-xx), with
 * pv-grant's guest side (what the reference guest grants with) for FE-09 .. FE-16 and GNT-28.
 */
public class ReferenceGrantConformance extends GrantTableVerification {

    /** For the JUnit Platform. */
    public ReferenceGrantConformance() {
    }

    @Override
    protected HypervisorUnderTest createHypervisor() {
        return new ReferenceHypervisorPort();
    }

    /** The reference hypervisor builds its grant tables with pv-grant's default maptrack limit. */
    @Override
    protected int maptrackLimit() {
        return GrantTables.DEFAULT_MAPTRACK_LIMIT;
    }

    /** The view behind a mapping handle, as domain 0's kernel reaches it. */
    @Override
    protected java.lang.foreign.MemorySegment mappingView(HypervisorUnderTest hypervisor, DomainUnderTest mapper,
                                                          int handle) {
        return ((ReferenceHypervisorPort) hypervisor).hypervisor().grantMapping(mapper.domid(), handle).orElse(null);
    }

    /** Retries releases deferred while I/O held a view. */
    @Override
    protected void settle(HypervisorUnderTest hypervisor) {
        ((ReferenceHypervisorPort) hypervisor).hypervisor().reapDeferredMappings();
    }

    /**
     * pv-grant's {@link GuestGrantTable} (what the reference guest grants with) over the memory the kit passes; its
     * {@link IllegalArgumentException} for a reference it did not hand out is the kit's {@code NOT_GRANTED}. The
     * same adapter is in the kit's own tests ({@code PvGrantConformanceTest.guestOf}), which this main code cannot
     * depend on (see there).
     */
    @Override
    protected GrantingGuest createGrantingGuest(DomainUnderTest domain, MemoryAccess memory, long[] tableFrames) {
        GuestGrantTable table = new GuestGrantTable(memory, tableFrames);
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
