package io.pvkit.kvm;

import io.pvkit.abi.memory.GuestMemory;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What KvmVm says on any host, with or without KVM. */
class KvmVmTest {
    @Test
    void shouldExplainWhyKvmIsUnavailableOrCreateAVm() {
        Optional<String> reason = KvmVm.unavailableReason();
        System.out.println("KVM on this host: " + reason.orElse("available"));
        try (GuestMemory memory = GuestMemory.allocate(16)) {
            if (reason.isPresent()) {
                KvmException e = assertThrows(KvmException.class, () -> KvmVm.create(memory, new TestXen(), 1));
                assertTrue(e.getMessage().contains("/dev/kvm") || e.getMessage().contains("KVM_CAP"), e.getMessage());
            } else {
                try (KvmVm vm = KvmVm.create(memory, new TestXen(), 1)) {
                    assertTrue(vm.vcpus() == 1 && vm.domid() == 1 && vm.memory() == memory);
                }
            }
        }
    }
}
