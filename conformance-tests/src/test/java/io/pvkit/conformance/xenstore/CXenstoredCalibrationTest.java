package io.pvkit.conformance.xenstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pvkit.conformance.selftest.SelfTest;
import io.pvkit.conformance.selftest.SelfTestReport;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Calibration: XenstoreVerification against Xen's C xenstored 4.17 (Debian xen-utils-4.17) under the kit's shim.
 * Every rule passes except the differences listed in RULES.md ("Differences with Xen's C xenstored"), asserted
 * here exactly. Never skipped when {@code CI=true}.
 */
class CXenstoredCalibrationTest {

    @Test
    void shouldPassEveryXenstoreRuleExceptTheListedDifferences() {
        Assumptions.assumeTrue(CXenstored.available() || "true".equals(System.getenv("CI")),
                "xen-utils-4.17 / libxen-dev not installed (CI installs them)");
        SelfTestReport report = SelfTest.run(CXenstoredVerificationRun.class);
        assertEquals(Set.of("XS-18"), report.failedRules(), report::toString);
        assertEquals(Set.of("required_XS_18_emptyPayloadGetsAnErrorWithAWatchSet"), report.results().stream()
                .filter(r -> r.outcome() == io.pvkit.conformance.selftest.Outcome.FAILURE
                        || r.outcome() == io.pvkit.conformance.selftest.Outcome.ERROR)
                .map(r -> r.methodName()).collect(java.util.stream.Collectors.toSet()),
                () -> report + "\n" + report.results().stream().filter(r -> r.throwable() != null)
                        .map(r -> r.methodName() + ": " + r.throwable()).collect(java.util.stream.Collectors.joining("\n")));
        assertTrue(report.unmappedProblems().isEmpty(), report::toString);
    }
}
