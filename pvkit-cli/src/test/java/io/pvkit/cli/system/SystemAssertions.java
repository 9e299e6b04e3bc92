package io.pvkit.cli.system;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pvkit.hypervisor.Hypervisor;
import io.pvkit.hypervisor.ResourceCounts;
import java.time.Duration;

/** Assertions the system tests share. */
final class SystemAssertions {
    private SystemAssertions() {
    }

    /** Destroy may release in the background: poll the counts for a while before comparing. */
    static void assertCountsReturnTo(ResourceCounts expected, Hypervisor hv) throws InterruptedException {
        assertCountsReturnTo(expected, hv, "resource counts after destroying every guest");
    }

    /** The same, with the failure message. */
    static void assertCountsReturnTo(ResourceCounts expected, Hypervisor hv, String message)
            throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        ResourceCounts now = hv.counts();
        while (!now.equals(expected) && System.nanoTime() - until < 0) {
            Thread.sleep(20);
            now = hv.counts();
        }
        assertEquals(expected, now, message);
    }
}
