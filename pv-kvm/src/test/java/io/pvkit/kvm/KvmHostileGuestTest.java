package io.pvkit.kvm;

import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.kvm.internal.TestGuests;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile guests under KVM: bad pointers in virtual address space, a page-table loop, random
 * hypercalls, and a guest that never yields. pvkit answers or stops each, and stays usable.
 */
class KvmHostileGuestTest {
    @Test
    void shouldAnswerBadPointersLoopsAndRandomHypercallsAndStayUp() throws Exception {
        KvmHost.requireKvm();
        Path elf = TestGuests.build("hostile");
        TestXen xen = new TestXen();
        try (GuestMemory memory = GuestMemory.allocate(4096); KvmVm vm = KvmVm.create(memory, xen, 3)) {
            vm.loadPvh(elf, "");
            ExitOutcome outcome = vm.runVcpu(0, Duration.ofSeconds(30));
            String console = xen.console().replace("\0", "");
            System.out.println("hostile guest: " + outcome + ", " + vm.hypercalls(0) + " hypercalls; console:\n" + console);
            assertEquals(new ExitOutcome.Shutdown(1), outcome, console);
            assertTrue(console.contains("unmapped rc=-14\n"), console);
            assertTrue(console.contains("noncanonical rc=-14\n"), console);
            assertTrue(console.contains("beyond-memory rc=-14\n"), console);
            assertTrue(console.contains("shutdown-bad-pointer rc=-14\n"), console);
            assertTrue(console.contains("page-table-loop rc=0\n"), console);
            assertTrue(console.matches("(?s).*random-calls rc=9\\d\\d\n.*"), console);
            assertTrue(vm.hypercalls(0) >= 900, "every random call reached the handler: " + vm.hypercalls(0));
        }
    }

    @Test
    void shouldStopAGuestThatNeverYieldsAtItsDeadlineAndResumeIt() throws Exception {
        KvmHost.requireKvm();
        Path elf = TestGuests.build("spin");
        TestXen xen = new TestXen();
        try (GuestMemory memory = GuestMemory.allocate(4096); KvmVm vm = KvmVm.create(memory, xen, 4)) {
            vm.loadPvh(elf, "");
            long start = System.nanoTime();
            ExitOutcome first = vm.runVcpu(0, Duration.ofMillis(300));
            long elapsedMs = (System.nanoTime() - start) / 1_000_000;
            assertEquals(new ExitOutcome.DeadlineExceeded(), first);
            assertTrue(elapsedMs >= 250 && elapsedMs < 10_000, "stopped at the deadline: " + elapsedMs + " ms");
            assertEquals("spinning\n", xen.console());
            assertEquals(new ExitOutcome.DeadlineExceeded(), vm.runVcpu(0, Duration.ofMillis(100)), "resumable");
        }
    }
}
