/*
 * The "hostile" test guest of pv-kvm: hypercalls with pointers that are unmapped, non-canonical, run
 * off guest memory or go through a page-table loop; a thousand hypercalls with random op numbers
 * (also beyond the page's 128 stubs, through the port directly) and random arguments; then it reports
 * and reboots (SHUTDOWN_reboot). KvmHostileGuestTest asserts pvkit answered each and stayed up.
 */
#include "guest.h"

static void report(const char *what, long rc) {
    print(what);
    print(" rc=");
    print_signed(rc);
    print("\n");
}

/* A hypercall with any op number: the stub's port write, without the page. */
static long raw_hypercall(uint32_t op, long a1, long a2, long a3, long a4, long a5) {
    long ret;
    register long r10 asm("r10") = a4;
    register long r8 asm("r8") = a5;
    asm volatile("outl %%eax, $0xea"
                 : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
                 : "a"(op)
                 : "memory");
    return ret;
}

void guest_main(uint32_t start_info_pa) {
    (void) start_info_pa;
    xen_init();
    report("unmapped", console_write((const void *) 0x0000400000000000UL, 8));
    report("noncanonical", console_write((const void *) 0x0000800000000000UL, 8));
    report("beyond-memory", console_write((const void *) (0x40000000UL - 8), 16));
    report("shutdown-bad-pointer", HYPERCALL3(__HYPERVISOR_sched_op, SCHEDOP_shutdown, 0x3ff00000UL, 0));

    /* PML4[1] -> the PML4 itself: the hypervisor's walk of 1<<39 reads the tables as each other's levels */
    pml4[1] = ((uint64_t) (uintptr_t) pml4) | 0x3;
    report("page-table-loop", console_write((const void *) ((1UL << 39) | 0x1000), 4));
    pml4[1] = 0;

    uint64_t x = 0x9e3779b97f4a7c15UL;
    long calls = 0, failed = 0;
    for (int i = 0; i < 1000; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        uint32_t op = (uint32_t) (x >> 32);
        if (i % 2 == 0) {
            op &= 63;
        }
        if (op == __HYPERVISOR_sched_op) {
            continue;                                    /* a random shutdown would end the run */
        }
        long rc = raw_hypercall(op, (long) x, (long) (x * 3), (long) (x * 5), (long) (x * 7), (long) (x * 11));
        calls++;
        if (rc < 0) {
            failed++;
        }
    }
    report("random-calls", calls);
    report("random-failed", failed);
    shutdown(SHUTDOWN_reboot);
    halt_forever();
}
