package io.pvkit.hypervisor.fault;

import io.pvkit.abi.platform.ShutdownReason;
import io.pvkit.hypervisor.Domain;
import io.pvkit.hypervisor.Hypervisor;
import io.pvkit.hypervisor.HypervisorConfig;
import io.pvkit.hypervisor.ResourceCounts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An event-channel storm ({@link StormGuests.EventStorm}) and a ring-notification storm
 * ({@link StormGuests.RingStorm}) run at once beside a guest doing echo round trips (and xenstore writes)
 * and a guest doing verified block I/O. Each victim's rate is measured for {@value #WINDOW_SECONDS} s
 * without the storms and {@value #WINDOW_SECONDS} s with them; with them it must stay above a floor
 * ({@value #MIN_ECHO_PER_SECOND} echo round trips/s, {@value #MIN_BLOCK_PER_SECOND} block requests/s: generous
 * for 2 cores shared with other builds; the measured figures are printed). The test is bounded (about 20 s).
 */
class NotificationStormTest {
    static final int WINDOW_SECONDS = 4;
    static final double MIN_ECHO_PER_SECOND = 100;
    static final double MIN_BLOCK_PER_SECOND = 100;
    /** The storms must really storm: notifications per second of each storm guest, at least. */
    static final double MIN_STORM_PER_SECOND = 5_000;

    private Hypervisor hv;

    @TempDir
    Path dir;

    @AfterEach
    void close() {
        if (hv != null) {
            hv.close();
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldKeepOtherGuestsProgressingDuringEventAndRingStorms() throws Exception {
        hv = Hypervisor.start(new HypervisorConfig(null, line -> { }));
        ResourceCounts before = hv.counts();
        Victims.EchoXenstore echo = new Victims.EchoXenstore(11, 0);
        Victims.BlockWriter block = new Victims.BlockWriter(12, 0, 64);
        StormGuests.EventStorm events = new StormGuests.EventStorm(13);
        StormGuests.RingStorm rings = new StormGuests.RingStorm(14);
        Domain echoDom = FaultRig.guest(hv, "echo", 64, echo, null);
        Domain blockDom = FaultRig.guest(hv, "block", 64, block, FaultRig.disk(dir, "block", 1));
        Domain eventDom = FaultRig.guest(hv, "event-storm", 16, events, FaultRig.disk(dir, "event-storm", 1));
        Domain ringDom = FaultRig.guest(hv, "ring-storm", 16, rings, FaultRig.disk(dir, "ring-storm", 1));
        List<Victims.Workload> all = List.of(echo, block, events, rings);
        List<Domain> doms = List.of(echoDom, blockDom, eventDom, ringDom);
        for (int i = 0; i < all.size(); i++) {
            FaultRig.await(all.get(i).ready, doms.get(i).name() + " ready", doms.get(i));
        }
        echo.go.countDown();
        block.go.countDown();
        Thread.sleep(1000); // warm-up
        double[] quiet = rates(echo, block, null, null);
        events.go.countDown();
        rings.go.countDown();
        Thread.sleep(500);
        double[] storm = rates(echo, block, events, rings);
        for (Victims.Workload w : all) {
            w.stop = true;
        }
        for (Domain d : doms) {
            assertTrue(d.awaitShutdown(Duration.ofSeconds(30)), d.name() + " did not finish: " + d.info());
        }
        System.out.printf("[storm] without storms: %.0f echo round trips/s, %.0f block requests/s; during both storms"
                + " (%.0f event sends/s, %.0f ring kicks/s): %.0f echo round trips/s, %.0f block requests/s;"
                + " floors %.0f and %.0f%n", quiet[0], quiet[1], storm[2], storm[3], storm[0], storm[1],
                MIN_ECHO_PER_SECOND, MIN_BLOCK_PER_SECOND);
        for (Domain d : doms) {
            assertNull(d.info().crash(), d.name());
            assertEquals(ShutdownReason.POWEROFF, d.info().shutdownReason(), d.name());
        }
        assertTrue(storm[2] >= MIN_STORM_PER_SECOND, "the event storm stormed: " + storm[2]);
        assertTrue(storm[3] >= MIN_STORM_PER_SECOND, "the ring storm stormed: " + storm[3]);
        assertTrue(storm[0] >= MIN_ECHO_PER_SECOND, "echo round trips/s during the storms: " + storm[0]);
        assertTrue(storm[1] >= MIN_BLOCK_PER_SECOND, "block requests/s during the storms: " + storm[1]);
        for (Domain d : doms) {
            hv.destroyDomain(d.domid());
        }
        assertEquals(before, hv.counts());
    }

    /** Progress per second of each workload over one window (null: not measured). */
    private static double[] rates(Victims.Workload... w) throws InterruptedException {
        long[] start = new long[w.length];
        for (int i = 0; i < w.length; i++) {
            start[i] = w[i] == null ? 0 : w[i].progress.get();
        }
        long t0 = System.nanoTime();
        Thread.sleep(WINDOW_SECONDS * 1000L);
        double seconds = (System.nanoTime() - t0) / 1e9;
        double[] r = new double[w.length];
        for (int i = 0; i < w.length; i++) {
            r[i] = w[i] == null ? 0 : (w[i].progress.get() - start[i]) / seconds;
        }
        return r;
    }
}
