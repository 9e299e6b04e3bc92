package io.pvkit.kvm;

import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.kvm.internal.TestGuests;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Boots the gcc-built {@code hello} guest (src/test/c/hello) under KVM: it finds Xen by CPUID, installs
 * the hypercall page, prints through console_io, reads xen_version and powers off. Skipped with the
 * reason where KVM is unusable, failed instead when KVM is required (-Dpvkit.kvm.required=true).
 */
class KvmHelloGuestTest {
    @Test
    void shouldPrintReadTheVersionAndPowerOff() throws Exception {
        KvmHost.requireKvm();
        Path elf = TestGuests.build("hello");
        TestXen xen = new TestXen();
        try (GuestMemory memory = GuestMemory.allocate(4096); KvmVm vm = KvmVm.create(memory, xen, 7)) {
            PvhBoot boot = vm.loadPvh(elf, "pvkit-test");
            long start = System.nanoTime();
            ExitOutcome outcome = vm.runVcpu(0, Duration.ofSeconds(20));
            long micros = (System.nanoTime() - start) / 1000;
            System.out.println("hello guest: " + outcome + " after " + micros + " us, " + vm.hypercalls(0)
                    + " hypercalls, " + vm.exits(0) + " exits; console:\n" + xen.console());
            assertEquals(new ExitOutcome.Shutdown(0), outcome, xen.console());
            assertEquals("hello from a PVH guest under pv-kvm\ncmdline: pvkit-test\nxen_version 4.14\n", xen.console());
            assertEquals(0, xen.shutdownReason, "SHUTDOWN_poweroff");
            assertEquals(7, xen.lastDomid);
            assertTrue(boot.entry() >= 0x100000);
        }
    }

    @Test
    void shouldRefuseToRunTheVcpuFromTwoThreadsOrAfterClose() throws Exception {
        KvmHost.requireKvm();
        TestXen xen = new TestXen();
        try (GuestMemory memory = GuestMemory.allocate(256)) {
            KvmVm vm = KvmVm.create(memory, xen, 1);
            vm.close();
            org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> vm.runVcpu(0, Duration.ofMillis(10)));
        }
    }
}
