/*
 * The "roundtrip" test guest of pv-kvm: measures nothing itself. It marks phases with a write to port
 * 0x81 (returned to the VMM as a PortIo outcome), makes 10000 xen_version hypercalls (served inside the
 * vCPU loop), then 10000 bare port writes to 0x80 (each returned to the VMM), and powers off.
 * KvmExitRoundTripTest times the phases from the outside.
 */
#include "guest.h"

#define ROUNDS 10000

static inline void mark(uint32_t value) {
    asm volatile("outl %0, $0x81" : : "a"(value) : "memory");
}

void guest_main(uint32_t start_info_pa) {
    (void) start_info_pa;
    xen_init();
    mark(1);
    for (int i = 0; i < ROUNDS; i++) {
        HYPERCALL3(__HYPERVISOR_xen_version, XENVER_version, 0, 0);
    }
    mark(2);
    for (int i = 0; i < ROUNDS; i++) {
        asm volatile("outl %0, $0x80" : : "a"(i) : "memory");
    }
    mark(3);
    shutdown(SHUTDOWN_poweroff);
    halt_forever();
}
