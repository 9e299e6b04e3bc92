package io.pvkit.conformance.blk;

import java.time.Duration;

/** The self-test's correct block backend passes every BLK rule (run directly by surefire, and by the self-test). */
class MiniBlkbackConformanceTest extends BlockBackendVerification {
    @Override
    protected BlockBackendUnderTest createBackend() {
        return new MiniBlkback(MiniBlkback.Bug.NONE);
    }

    @Override
    protected Duration responseTimeout() {
        return Duration.ofSeconds(3);
    }
}
