/*
 * The "hello" test guest of pv-kvm: a freestanding 64-bit kernel (no libc) built on Xen's own public
 * headers. It finds Xen by CPUID, installs the hypercall page through the MSR Xen's leaf names, prints
 * through console_io, reads xen_version, and shuts down with SCHEDOP_shutdown(SHUTDOWN_poweroff).
 * Its console output is what KvmHelloGuestTest asserts.
 */
#include <stddef.h>
#include <stdint.h>
#define __XEN_INTERFACE_VERSION__ 0x00040e00
#include <xen/xen.h>
#include <xen/sched.h>
#include <xen/version.h>
#include <xen/arch-x86/cpuid.h>
#include <xen/arch-x86/hvm/start_info.h>

extern char hypercall_page[4096];

/* The 64-bit Xen convention: op via the page's stub, arguments in rdi, rsi, rdx, r10, r8, result in rax. */
#define HYPERCALL3(op, a1, a2, a3) ({                                                         \
    long __ret;                                                                              \
    register long __a1 asm("rdi") = (long) (a1);                                             \
    register long __a2 asm("rsi") = (long) (a2);                                             \
    register long __a3 asm("rdx") = (long) (a3);                                             \
    asm volatile("call hypercall_page + %c[offset]"                                          \
                 : "=a"(__ret), "+r"(__a1), "+r"(__a2), "+r"(__a3)                             \
                 : [offset] "i"((op) * 32)                                                   \
                 : "memory", "rcx", "r8", "r9", "r10", "r11");                               \
    __ret; })

static void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d) {
    asm volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

static void wrmsr(uint32_t msr, uint64_t value) {
    asm volatile("wrmsr" : : "c"(msr), "a"((uint32_t) value), "d"((uint32_t) (value >> 32)) : "memory");
}

static size_t length(const char *s) {
    size_t n = 0;
    while (s[n] != 0) {
        n++;
    }
    return n;
}

static void print(const char *s) {
    HYPERCALL3(__HYPERVISOR_console_io, CONSOLEIO_write, length(s), s);
}

static void print_number(unsigned long v) {
    char buf[24];
    int i = sizeof(buf) - 1;
    buf[i] = 0;
    do {
        buf[--i] = (char) ('0' + v % 10);
        v /= 10;
    } while (v != 0 && i > 0);
    print(&buf[i]);
}

static void halt_forever(void) {
    for (;;) {
        asm volatile("hlt");
    }
}

void guest_main(uint32_t start_info_pa) {
    uint32_t base = 0, eax, ebx, ecx, edx;
    for (uint32_t leaf = 0x40000000; leaf < 0x40010000; leaf += 0x100) {
        cpuid(leaf, &eax, &ebx, &ecx, &edx);
        if (ebx == XEN_CPUID_SIGNATURE_EBX && ecx == XEN_CPUID_SIGNATURE_ECX && edx == XEN_CPUID_SIGNATURE_EDX
                && eax - leaf >= 2) {
            base = leaf;
            break;
        }
    }
    if (base == 0) {
        halt_forever();                  /* no Xen: nothing to print with; the test sees a hlt exit */
    }
    cpuid(base + 2, &eax, &ebx, &ecx, &edx);
    wrmsr(ebx, (uint64_t) (uintptr_t) hypercall_page);

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
    print_number((unsigned long) version >> 16);
    print(".");
    print_number((unsigned long) version & 0xffff);
    print("\n");

    struct sched_shutdown shutdown = { .reason = SHUTDOWN_poweroff };
    HYPERCALL3(__HYPERVISOR_sched_op, SCHEDOP_shutdown, &shutdown, 0);
    print("SCHEDOP_shutdown returned\n");
    halt_forever();
}
