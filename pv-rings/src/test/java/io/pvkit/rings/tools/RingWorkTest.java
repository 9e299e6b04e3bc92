package io.pvkit.rings.tools;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one-thread work loop: every exchange checked, the window after the warm-up reported. */
class RingWorkTest {
    @Test
    void shouldExchangeEveryRequestWithMatchingChecksumsAcrossTheIndexWrap() {
        // 0xFFFFFFF0 + 3000 crosses 2^32; two pages: 64 slots
        String line = RingWork.run(2, 3000, 1000);
        assertTrue(line.matches("loop n=3000 bad=0 measured=2000 seconds=[0-9.]+ cpu=[0-9.]+( thread-cpu=[0-9.]+)?"), line);
    }

    @Test
    void shouldReadThisThreadsCpuTimeWhereLinuxReportsIt() {
        long before = RingPeer.threadCpuNanos();
        long spent = 0;
        for (int i = 0; i < 2_000_000; i++) {
            spent += Long.numberOfTrailingZeros(i * 0x9E3779B97F4A7C15L + spent);
        }
        long after = RingPeer.threadCpuNanos();
        if (java.nio.file.Files.exists(java.nio.file.Path.of("/proc/thread-self/schedstat"))) {
            assertTrue(before >= 0 && after > before, before + " then " + after + " (" + spent + ")");
        } else {
            assertTrue(before == -1 && after == -1, before + " " + after);
        }
    }

    @Test
    void shouldRejectAWarmupLongerThanTheRun() {
        assertThrows(IllegalArgumentException.class, () -> RingWork.run(1, 10, 11));
        assertThrows(IllegalArgumentException.class, () -> RingWork.run(0, 10, 0));
        assertThrows(IllegalArgumentException.class, () -> RingWork.run(1, -1, 0));
    }
}
