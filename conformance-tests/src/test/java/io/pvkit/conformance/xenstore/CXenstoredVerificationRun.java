package io.pvkit.conformance.xenstore;

import org.junit.jupiter.api.Assumptions;

/**
 * The kit's xenstore verification against Xen's own C xenstored (the calibration; see
 * {@link CXenstoredCalibrationTest} for the asserted outcome). Not run by surefire on its own: it is an outside
 * implementation with a known crash (XS-18), run through the self-test launcher.
 */
final class CXenstoredVerificationRun extends XenstoreVerification {

    @Override
    protected XenstoreUnderTest createXenstore() throws Exception {
        Assumptions.assumeTrue(CXenstored.available() || "true".equals(System.getenv("CI")),
                "xen-utils-4.17 / libxen-dev not installed");
        return CXenstored.start();
    }
}
