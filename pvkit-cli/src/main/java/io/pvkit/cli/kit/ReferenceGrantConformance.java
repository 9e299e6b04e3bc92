package io.pvkit.cli.kit;

import io.pvkit.conformance.grant.GrantTableVerification;
import io.pvkit.conformance.spi.HypervisorUnderTest;

/** The reference hypervisor's full dispatch path against the kit's grant-table rules (GNT-xx, FE-09/10). */
public class ReferenceGrantConformance extends GrantTableVerification {

    /** For the JUnit Platform. */
    public ReferenceGrantConformance() {
    }

    @Override
    protected HypervisorUnderTest createHypervisor() {
        return new ReferenceHypervisorPort();
    }
}
