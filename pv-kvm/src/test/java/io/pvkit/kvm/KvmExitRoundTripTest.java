package io.pvkit.kvm;

import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.kvm.internal.TestGuests;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A measurement note, not a benchmark (that belongs in {@code benchmarks}): the round trip of a
 * hypercall (guest, KVM exit, Java handler, guest) against a bare port-I/O exit returned to the caller
 * of {@link KvmVm#runVcpu} in the same run, 10000 of each, printed in ns per round trip.
 */
class KvmExitRoundTripTest {
    private static final int ROUNDS = 10_000;

    @Test
    void shouldMeasureHypercallAndBareExitRoundTrips() throws Exception {
        KvmHost.requireKvm();
        TestXen xen = new TestXen();
        try (GuestMemory memory = GuestMemory.allocate(4096); KvmVm vm = KvmVm.create(memory, xen, 9)) {
            vm.loadPvh(TestGuests.build("roundtrip"), "");
            Duration deadline = Duration.ofSeconds(60);
            assertEquals(new ExitOutcome.PortIo(0x81, true, 4, 1, 1), vm.runVcpu(0, deadline));
            long t0 = System.nanoTime();
            assertEquals(new ExitOutcome.PortIo(0x81, true, 4, 1, 2), vm.runVcpu(0, deadline));
            long t1 = System.nanoTime();
            for (int i = 0; i < ROUNDS; i++) {
                assertEquals(new ExitOutcome.PortIo(0x80, true, 4, 1, i), vm.runVcpu(0, deadline));
            }
            long t2 = System.nanoTime();
            assertEquals(new ExitOutcome.PortIo(0x81, true, 4, 1, 3), vm.runVcpu(0, deadline));
            assertEquals(new ExitOutcome.Shutdown(0), vm.runVcpu(0, deadline));
            double hypercallNs = (t1 - t0) / (double) ROUNDS;
            double bareNs = (t2 - t1) / (double) ROUNDS;
            System.out.printf("KVM round trips: hypercall (in-loop, Java handler) %.0f ns, bare port-I/O exit"
                    + " returned to the caller %.0f ns (%d each)%n", hypercallNs, bareNs, ROUNDS);
            assertTrue(vm.hypercalls(0) >= ROUNDS);
        }
    }
}
