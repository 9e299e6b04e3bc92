/*
 * The "hello" test guest of pv-kvm: finds Xen by CPUID, installs the hypercall page through the MSR
 * Xen's leaf names, prints through console_io, reads xen_version, and shuts down with
 * SCHEDOP_shutdown(SHUTDOWN_poweroff). KvmHelloGuestTest asserts its console output.
 */
#include "guest.h"

void guest_main(uint32_t start_info_pa) {
    xen_init();
    const struct hvm_start_info *si = (const struct hvm_start_info *) (uintptr_t) start_info_pa;
    print("hello from a PVH guest under pv-kvm\n");
    if (si->magic != XEN_HVM_START_MAGIC_VALUE) {
        print("bad hvm_start_info magic\n");
    }
    if (si->cmdline_paddr != 0) {
        print("cmdline: ");
        print((const char *) (uintptr_t) si->cmdline_paddr);
        print("\n");
    }
    long version = HYPERCALL3(__HYPERVISOR_xen_version, XENVER_version, 0, 0);
    print("xen_version ");
    print_signed(version >> 16);
    print(".");
    print_signed(version & 0xffff);
    print("\n");
    shutdown(SHUTDOWN_poweroff);
    print("SCHEDOP_shutdown returned\n");
    halt_forever();
}
