package io.pvkit.kvm;

import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.kvm.internal.TestGuests;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Event upcalls by the vector method under KVM: the guest registers vector 0xF3 through hvm_op and
 * halts; a kick from another thread (what pv-events' VcpuKicker does) makes pv-kvm inject the vector.
 */
class KvmUpcallGuestTest {
    @Test
    void shouldInjectTheUpcallVectorIntoAHaltedGuestAfterAKick() throws Exception {
        KvmHost.requireKvm();
        TestXen xen = new TestXen();
        try (GuestMemory memory = GuestMemory.allocate(4096); KvmVm vm = KvmVm.create(memory, xen, 5)) {
            vm.loadPvh(TestGuests.build("upcall"), "");
            assertEquals(new ExitOutcome.Halted(), vm.runVcpu(0, Duration.ofSeconds(20)), xen.console());
            assertEquals(0xF3, vm.upcallVector());
            assertEquals(2L << 56 | 0xF3, xen.lastHvmParam);
            assertEquals(false, vm.awaitUpcall(0, Duration.ofMillis(20)), "nothing pending yet");
            Thread kicker = Thread.ofPlatform().start(() -> vm.kick(0));
            assertTrue(vm.awaitUpcall(0, Duration.ofSeconds(5)));
            kicker.join();
            assertEquals(new ExitOutcome.Shutdown(0), vm.runVcpu(0, Duration.ofSeconds(20)), xen.console());
            assertEquals("set_param rc=0\nwaiting\nupcall 1\n", xen.console());
        }
    }
}
