package io.pvkit.cli.kit;

import io.pvkit.conformance.domain.DomainDeathVerification;
import io.pvkit.conformance.spi.HypervisorUnderTest;

/**
 * The reference hypervisor's full dispatch path against the kit's domain-death rules DOM-01 and DOM-02 (with
 * {@link io.pvkit.hypervisor.Hypervisor#counts()} as the resource counts).
 */
public class ReferenceDomainDeathConformance extends DomainDeathVerification {

    /** For the JUnit Platform. */
    public ReferenceDomainDeathConformance() {
    }

    @Override
    protected HypervisorUnderTest createHypervisor() {
        return new ReferenceHypervisorPort();
    }
}
