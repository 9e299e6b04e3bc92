/*
 * The "spin" test guest of pv-kvm: says so, then never leaves the CPU again (no hypercall, no hlt,
 * no I/O). KvmHostileGuestTest shows the run deadline stops it.
 */
#include "guest.h"

void guest_main(uint32_t start_info_pa) {
    (void) start_info_pa;
    xen_init();
    print("spinning\n");
    for (volatile unsigned long n = 0;; n++) {
    }
}
