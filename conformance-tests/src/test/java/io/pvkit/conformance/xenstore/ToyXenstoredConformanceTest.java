package io.pvkit.conformance.xenstore;

import java.time.Duration;
import java.util.Set;

/** The kit's small correct xenstored passes every xenstore rule, domain-level ones included. */
class ToyXenstoredConformanceTest extends XenstoreVerification {
    @Override
    protected XenstoreUnderTest createXenstore() throws Exception {
        return new ToyXenstored(Set.of());
    }

    @Override
    protected Duration quietPeriod() {
        return Duration.ofMillis(150);
    }
}
