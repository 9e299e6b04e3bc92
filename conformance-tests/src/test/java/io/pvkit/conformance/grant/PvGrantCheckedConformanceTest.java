package io.pvkit.conformance.grant;

import io.pvkit.conformance.spi.DomainUnderTest;
import io.pvkit.conformance.spi.HypervisorUnderTest;
import io.pvkit.grant.GrantCursor;
import io.pvkit.grant.GrantTables;
import io.pvkit.grant.GrantView;
import io.pvkit.grant.MappingLifetime;

/**
 * pv-grant passes the grant-table verification with {@link MappingLifetime#CHECKED} mappings too: their views through
 * segmentOf for the segment rules, and pv-grant's own accessors for the mapped-access rules (GNT-32 .. GNT-36), the
 * mapping's {@link GrantView} and a {@link GrantCursor} bound to it in turn.
 */
class PvGrantCheckedConformanceTest extends PvGrantConformanceTest {
    /** How many mapped frames this test asked for: even ones are views, odd ones cursors. */
    private int asked;

    @Override
    MappingLifetime lifetime() {
        return MappingLifetime.CHECKED;
    }

    /**
     * The mapping's {@link GrantView} ({@link GrantTables#viewOf}), and every second time a new {@link GrantCursor}
     * ({@link GrantTables#newCursor}) of the calling thread bound to the mapping; the kit asks for a second frame of one
     * mapping in GNT-32 and GNT-35, and for a frame on the mapping thread of the in-flight transfers of GNT-36. For a
     * handle that is not a live CHECKED host mapping (GNT-35 asks with the handle of an ended mapping) the answer is a new
     * unbound cursor: pv-grant's dead accessors, which must refuse every access (never null, which the kit would take
     * for "no accessors" and skip GNT-32 .. GNT-39). A view asked for a handle a cursor binds to must exist (else this
     * adapter fails: pv-grant's {@code viewOf} lost a live mapping's view).
     */
    @Override
    protected MappedFrame mappedFrame(HypervisorUnderTest hypervisor, DomainUnderTest mapper, int handle) {
        GrantTables tables = ((PvGrantHypervisor) hypervisor).tables;
        boolean asView = asked++ % 2 == 0;
        GrantView view = asView ? tables.viewOf(mapper.domid(), handle) : null;
        if (view == null) {
            GrantCursor cursor = tables.newCursor();
            boolean bound = cursor.bind(mapper.domid(), handle);
            // pv-grant has a view for every live CHECKED host mapping, the one a cursor binds to: null would be a pv-grant
            // bug, which this adapter would otherwise hide behind the cursor
            if (asView && bound) {
                throw new AssertionError("pv-grant has no view of live CHECKED host mapping " + handle + " of domain "
                        + mapper.domid() + " (a cursor binds to it)");
            }
            // a failed bind: a new cursor, never bound (every access throws), whatever the failed one kept
            view = bound ? cursor : tables.newCursor();
        }
        return new GrantViewFrame(view);
    }
}
