package io.pvkit.conformance.hypercall;

import io.pvkit.conformance.spi.HypervisorUnderTest;

/** The kit's own small correct handler passes every hypercall ABI rule (also run by surefire directly). */
class MiniHypervisorHypercallConformanceTest extends HypercallAbiVerification {
    @Override
    protected HypervisorUnderTest createHypervisor() {
        return new MiniHypervisor(new MiniHandler());
    }
}
