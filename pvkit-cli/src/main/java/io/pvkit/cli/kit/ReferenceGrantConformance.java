package io.pvkit.cli.kit;

import io.pvkit.conformance.grant.GrantTableVerification;
import io.pvkit.conformance.grant.GrantingGuest;
import io.pvkit.conformance.spi.DomainUnderTest;
import io.pvkit.conformance.spi.HypervisorUnderTest;
import io.pvkit.grant.GrantTables;
import io.pvkit.grant.GuestGrantTable;
import io.pvkit.grant.RevokeResult;

/**
 * The reference hypervisor's full dispatch path against the kit's grant-table rules (GNT-xx), with
 * pv-grant's guest side (what the reference guest grants with) for FE-09/FE-10.
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

    @Override
    protected GrantingGuest createGrantingGuest(DomainUnderTest domain, long[] tableFrames) {
        GuestGrantTable table = new GuestGrantTable(domain.memory(), tableFrames);
        return new GrantingGuest() {
            @Override
            public int sharePage(int domid, long gfn, boolean readOnly) {
                return table.grantZeroedAccess(domid, gfn, readOnly);
            }

            @Override
            public boolean endAccess(int ref) {
                return table.endAccess(ref) == RevokeResult.REVOKED;
            }
        };
    }
}
