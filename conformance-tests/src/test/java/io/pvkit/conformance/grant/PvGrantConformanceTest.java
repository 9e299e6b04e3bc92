package io.pvkit.conformance.grant;

import io.pvkit.conformance.spi.DomainUnderTest;
import io.pvkit.conformance.spi.HypervisorUnderTest;
import io.pvkit.grant.GuestGrantTable;
import io.pvkit.grant.RevokeResult;

import java.lang.foreign.MemorySegment;

/** pv-grant (GrantTables + GrantTableHypercall + GuestGrantTable) passes the grant-table verification. */
class PvGrantConformanceTest extends GrantTableVerification {

    @Override
    protected HypervisorUnderTest createHypervisor() {
        return new PvGrantHypervisor();
    }

    @Override
    protected MemorySegment mappingView(HypervisorUnderTest hypervisor, DomainUnderTest mapper, int handle) {
        return ((PvGrantHypervisor) hypervisor).tables.segmentOf(mapper.domid(), handle);
    }

    @Override
    protected GrantingGuest createGrantingGuest(DomainUnderTest domain, long[] tableFrames) {
        return guestOf(new GuestGrantTable(domain.memory(), tableFrames));
    }

    static GrantingGuest guestOf(GuestGrantTable table) {
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
