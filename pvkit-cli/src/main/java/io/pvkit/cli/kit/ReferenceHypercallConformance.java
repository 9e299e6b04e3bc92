package io.pvkit.cli.kit;

import io.pvkit.conformance.hypercall.HypercallAbiVerification;
import io.pvkit.conformance.spi.HypervisorUnderTest;

/** The reference hypervisor's full dispatch path against the kit's hypercall ABI rules (HC-xx). */
public class ReferenceHypercallConformance extends HypercallAbiVerification {

    /** For the JUnit Platform. */
    public ReferenceHypercallConformance() {
    }

    @Override
    protected HypervisorUnderTest createHypervisor() {
        return new ReferenceHypervisorPort();
    }
}
