/*
 * Shared by pv-kvm's test guests: Xen detection by CPUID, the hypercall page, the 64-bit hypercall
 * convention, console output. Freestanding (no libc); Xen's own public headers.
 */
#ifndef PVKIT_TEST_GUEST_H
#define PVKIT_TEST_GUEST_H

#include <stddef.h>
#include <stdint.h>
#define __XEN_INTERFACE_VERSION__ 0x00040e00
#include <xen/xen.h>
#include <xen/sched.h>
#include <xen/version.h>
#include <xen/arch-x86/cpuid.h>
#include <xen/arch-x86/hvm/start_info.h>

extern char hypercall_page[4096];
extern uint64_t pml4[512];

/* The 64-bit Xen convention: op via the page's stub, arguments in rdi, rsi, rdx (r10, r8), result in rax. */
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

static inline void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d) {
    asm volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

static inline void wrmsr(uint32_t msr, uint64_t value) {
    asm volatile("wrmsr" : : "c"(msr), "a"((uint32_t) value), "d"((uint32_t) (value >> 32)) : "memory");
}

static inline void halt_forever(void) {
    for (;;) {
        asm volatile("hlt");
    }
}

static inline size_t length(const char *s) {
    size_t n = 0;
    while (s[n] != 0) {
        n++;
    }
    return n;
}

static inline long console_write(const void *buf, long count) {
    return HYPERCALL3(__HYPERVISOR_console_io, CONSOLEIO_write, count, buf);
}

static inline void print(const char *s) {
    console_write(s, (long) length(s));
}

static inline void print_signed(long v) {
    char buf[24];
    int i = sizeof(buf) - 1;
    unsigned long u = v < 0 ? -(unsigned long) v : (unsigned long) v;
    buf[i] = 0;
    do {
        buf[--i] = (char) ('0' + u % 10);
        u /= 10;
    } while (u != 0 && i > 1);
    if (v < 0) {
        buf[--i] = '-';
    }
    print(&buf[i]);
}

/* Finds Xen's CPUID leaves and installs the hypercall page; halts when there is no Xen. */
static inline void xen_init(void) {
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
        halt_forever();                  /* no Xen: nothing to print with; the VMM sees a hlt exit */
    }
    cpuid(base + 2, &eax, &ebx, &ecx, &edx);
    wrmsr(ebx, (uint64_t) (uintptr_t) hypercall_page);
}

static inline long shutdown(unsigned int reason) {
    struct sched_shutdown s = { .reason = reason };
    return HYPERCALL3(__HYPERVISOR_sched_op, SCHEDOP_shutdown, &s, 0);
}

#endif
