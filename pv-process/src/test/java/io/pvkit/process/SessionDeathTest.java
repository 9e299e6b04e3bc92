package io.pvkit.process;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kill -9 ({@link ProcessHandle#destroyForcibly()}) of a real guest JVM, 10 times blocked inside a hypercall
 * (the hypervisor's handler holds it in SCHEDOP_block) and 10 times in a tight hypercall loop: the hypervisor
 * notices within {@link #BOUND}, reports it once through {@link GuestHost#guestGone}, the blocked handler is
 * released by the host's teardown, and the session's threads end and its memory is unmapped.
 */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SessionDeathTest {
    /** The detection bound this test holds the implementation to (README, "Guest death"). */
    static final Duration BOUND = Duration.ofSeconds(1);
    private static final int TRIALS = 10;

    @TempDir
    Path dir;

    @Test
    void shouldNoticeAGuestKilledWhileBlockedInAHypercall() throws Exception {
        measure("blocked in SCHEDOP_block", "block", host -> host.blocked);
    }

    @Test
    void shouldNoticeAGuestKilledWhileSpinningOnHypercalls() throws Exception {
        measure("spinning on xen_version", "spin", host -> host.firstCall);
    }

    private void measure(String what, String mode, java.util.function.Function<TestHost, BlockingQueue<Integer>> ready)
            throws Exception {
        TestHost host = new TestHost();
        long[] micros = new long[TRIALS];
        long served = 0;
        try (GuestListener listener = GuestListener.open(dir.resolve(mode), host)) {
            for (int i = 0; i < TRIALS; i++) {
                Process child = Children.peer(mode, dir.resolve(mode).toString())
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
                Integer domid = ready.apply(host).poll(60, TimeUnit.SECONDS);
                assertNotNull(domid, "trial " + i + ": the child reached its hypercall");
                Thread.sleep(20);   // let a spinning guest get well into its loop
                long t0 = System.nanoTime();
                assertTrue(child.toHandle().destroyForcibly());
                GuestSession session = host.gone.poll(10, TimeUnit.SECONDS);
                assertNotNull(session, "trial " + i + ": the death was reported");
                micros[i] = (session.endedAtNanos() - t0) / 1000;
                assertEquals(domid, session.domid());
                assertTrue(session.awaitEnd(Duration.ofSeconds(5)));
                assertFalse(session.vcpuThread(0).isAlive(), "the mailbox server thread ended");
                assertThrows(IllegalStateException.class, () -> session.memory().getInt(0), "memory unmapped");
                assertTrue(host.gone.isEmpty(), "reported once");
                served += session.served();
                assertTrue(child.waitFor(10, TimeUnit.SECONDS));
            }
            assertEquals(TRIALS, listener.sessions().size());
        }
        long[] sorted = micros.clone();
        Arrays.sort(sorted);
        System.out.printf("[pv-process] kill -9 of a guest JVM %s, %d trials: detection latency min %d us, "
                        + "median %d us, max %d us (bound %d ms); %d hypercalls served before the kills%n",
                what, TRIALS, sorted[0], sorted[TRIALS / 2], sorted[TRIALS - 1], BOUND.toMillis(), served);
        for (long us : micros) {
            assertTrue(us < BOUND.toNanos() / 1000, "detected in " + us + " us: " + Arrays.toString(micros));
        }
    }
}
