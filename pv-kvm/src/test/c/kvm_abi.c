/*
 * pv-kvm ABI cross-check: prints sizeof/_Alignof/offsetof/field size of every Linux KVM and Xen PVH
 * structure pv-kvm models, and every KVM number it uses, compiled against the real headers
 * (linux/kvm.h from linux-libc-dev, xen/arch-x86/hvm/start_info.h from libxen-dev).
 * Read by io.pvkit.kvm.internal.KvmHeaderCrossCheckTest; one line each:
 *   struct <name> <size> <align>
 *   field <struct> <dotted.path> <offset> <size>
 *   number <NAME> <value>
 * Keep this list in step with the *Layout classes and the KVM number classes: the test fails on
 * anything missing on either side.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <signal.h>
#include <linux/kvm.h>
#include <xen/xen.h>
#include <xen/arch-x86/hvm/start_info.h>
#include <xen/elfnote.h>

#define S(name, type) printf("struct %s %zu %zu\n", name, sizeof(type), _Alignof(type))
#define F(name, type, path) printf("field %s %s %zu %zu\n", name, #path, offsetof(type, path), sizeof(((type *) 0)->path))
#define SEG(st, T, M) do { F(st, T, M.base); F(st, T, M.limit); F(st, T, M.selector); \
    F(st, T, M.type); F(st, T, M.present); F(st, T, M.dpl); F(st, T, M.db); F(st, T, M.s); \
    F(st, T, M.l); F(st, T, M.g); F(st, T, M.avl); F(st, T, M.unusable); F(st, T, M.padding); } while (0)
#define DT(st, T, M) do { F(st, T, M.base); F(st, T, M.limit); F(st, T, M.padding); } while (0)
#define N(name) printf("number %s %llu\n", #name, (unsigned long long) (name))

int main(void) {
    /* kvm_run up to and including kvm_dirty_regs (the sync-regs area after it is not modelled) */
    printf("struct kvm_run %zu %zu\n", offsetof(struct kvm_run, s), _Alignof(struct kvm_run));
    F("kvm_run", struct kvm_run, request_interrupt_window);
    F("kvm_run", struct kvm_run, immediate_exit);
    F("kvm_run", struct kvm_run, exit_reason);
    F("kvm_run", struct kvm_run, ready_for_interrupt_injection);
    F("kvm_run", struct kvm_run, if_flag);
    F("kvm_run", struct kvm_run, flags);
    F("kvm_run", struct kvm_run, cr8);
    F("kvm_run", struct kvm_run, apic_base);
    F("kvm_run", struct kvm_run, fail_entry);
    F("kvm_run", struct kvm_run, io);
    F("kvm_run", struct kvm_run, mmio);
    F("kvm_run", struct kvm_run, internal);
    F("kvm_run", struct kvm_run, msr);
    F("kvm_run", struct kvm_run, system_event);
    F("kvm_run", struct kvm_run, system_event.ndata);
    F("kvm_run", struct kvm_run, system_event.data);
    F("kvm_run", struct kvm_run, fail_entry.hardware_entry_failure_reason);
    F("kvm_run", struct kvm_run, fail_entry.cpu);
    F("kvm_run", struct kvm_run, io.direction);
    F("kvm_run", struct kvm_run, io.size);
    F("kvm_run", struct kvm_run, io.port);
    F("kvm_run", struct kvm_run, io.count);
    F("kvm_run", struct kvm_run, io.data_offset);
    F("kvm_run", struct kvm_run, mmio.phys_addr);
    F("kvm_run", struct kvm_run, mmio.data);
    F("kvm_run", struct kvm_run, mmio.len);
    F("kvm_run", struct kvm_run, mmio.is_write);
    F("kvm_run", struct kvm_run, internal.suberror);
    F("kvm_run", struct kvm_run, internal.ndata);
    F("kvm_run", struct kvm_run, internal.data);
    F("kvm_run", struct kvm_run, msr.error);
    F("kvm_run", struct kvm_run, msr.reason);
    F("kvm_run", struct kvm_run, msr.index);
    F("kvm_run", struct kvm_run, msr.data);
    F("kvm_run", struct kvm_run, system_event.type);
    F("kvm_run", struct kvm_run, kvm_valid_regs);
    F("kvm_run", struct kvm_run, kvm_dirty_regs);

    S("kvm_regs", struct kvm_regs);
    F("kvm_regs", struct kvm_regs, rax); F("kvm_regs", struct kvm_regs, rbx);
    F("kvm_regs", struct kvm_regs, rcx); F("kvm_regs", struct kvm_regs, rdx);
    F("kvm_regs", struct kvm_regs, rsi); F("kvm_regs", struct kvm_regs, rdi);
    F("kvm_regs", struct kvm_regs, rsp); F("kvm_regs", struct kvm_regs, rbp);
    F("kvm_regs", struct kvm_regs, r8); F("kvm_regs", struct kvm_regs, r9);
    F("kvm_regs", struct kvm_regs, r10); F("kvm_regs", struct kvm_regs, r11);
    F("kvm_regs", struct kvm_regs, r12); F("kvm_regs", struct kvm_regs, r13);
    F("kvm_regs", struct kvm_regs, r14); F("kvm_regs", struct kvm_regs, r15);
    F("kvm_regs", struct kvm_regs, rip); F("kvm_regs", struct kvm_regs, rflags);

    S("kvm_segment", struct kvm_segment);
    F("kvm_segment", struct kvm_segment, base);
    F("kvm_segment", struct kvm_segment, limit);
    F("kvm_segment", struct kvm_segment, selector);
    F("kvm_segment", struct kvm_segment, type);
    F("kvm_segment", struct kvm_segment, present);
    F("kvm_segment", struct kvm_segment, dpl);
    F("kvm_segment", struct kvm_segment, db);
    F("kvm_segment", struct kvm_segment, s);
    F("kvm_segment", struct kvm_segment, l);
    F("kvm_segment", struct kvm_segment, g);
    F("kvm_segment", struct kvm_segment, avl);
    F("kvm_segment", struct kvm_segment, unusable);
    F("kvm_segment", struct kvm_segment, padding);

    S("kvm_dtable", struct kvm_dtable);
    F("kvm_dtable", struct kvm_dtable, base);
    F("kvm_dtable", struct kvm_dtable, limit);
    F("kvm_dtable", struct kvm_dtable, padding);

    S("kvm_sregs", struct kvm_sregs);
    F("kvm_sregs", struct kvm_sregs, cs); F("kvm_sregs", struct kvm_sregs, ds);
    F("kvm_sregs", struct kvm_sregs, es); F("kvm_sregs", struct kvm_sregs, fs);
    F("kvm_sregs", struct kvm_sregs, gs); F("kvm_sregs", struct kvm_sregs, ss);
    F("kvm_sregs", struct kvm_sregs, tr); F("kvm_sregs", struct kvm_sregs, ldt);
    F("kvm_sregs", struct kvm_sregs, gdt); F("kvm_sregs", struct kvm_sregs, idt);
    F("kvm_sregs", struct kvm_sregs, cr0); F("kvm_sregs", struct kvm_sregs, cr2);
    F("kvm_sregs", struct kvm_sregs, cr3); F("kvm_sregs", struct kvm_sregs, cr4);
    F("kvm_sregs", struct kvm_sregs, cr8); F("kvm_sregs", struct kvm_sregs, efer);
    F("kvm_sregs", struct kvm_sregs, apic_base);
    F("kvm_sregs", struct kvm_sregs, interrupt_bitmap);
    SEG("kvm_sregs", struct kvm_sregs, cs); SEG("kvm_sregs", struct kvm_sregs, ds);
    SEG("kvm_sregs", struct kvm_sregs, es); SEG("kvm_sregs", struct kvm_sregs, fs);
    SEG("kvm_sregs", struct kvm_sregs, gs); SEG("kvm_sregs", struct kvm_sregs, ss);
    SEG("kvm_sregs", struct kvm_sregs, tr); SEG("kvm_sregs", struct kvm_sregs, ldt);
    DT("kvm_sregs", struct kvm_sregs, gdt); DT("kvm_sregs", struct kvm_sregs, idt);

    S("kvm_userspace_memory_region", struct kvm_userspace_memory_region);
    F("kvm_userspace_memory_region", struct kvm_userspace_memory_region, slot);
    F("kvm_userspace_memory_region", struct kvm_userspace_memory_region, flags);
    F("kvm_userspace_memory_region", struct kvm_userspace_memory_region, guest_phys_addr);
    F("kvm_userspace_memory_region", struct kvm_userspace_memory_region, memory_size);
    F("kvm_userspace_memory_region", struct kvm_userspace_memory_region, userspace_addr);

    S("kvm_cpuid_entry2", struct kvm_cpuid_entry2);
    F("kvm_cpuid_entry2", struct kvm_cpuid_entry2, function);
    F("kvm_cpuid_entry2", struct kvm_cpuid_entry2, index);
    F("kvm_cpuid_entry2", struct kvm_cpuid_entry2, flags);
    F("kvm_cpuid_entry2", struct kvm_cpuid_entry2, eax);
    F("kvm_cpuid_entry2", struct kvm_cpuid_entry2, ebx);
    F("kvm_cpuid_entry2", struct kvm_cpuid_entry2, ecx);
    F("kvm_cpuid_entry2", struct kvm_cpuid_entry2, edx);
    F("kvm_cpuid_entry2", struct kvm_cpuid_entry2, padding);

    S("kvm_cpuid2", struct kvm_cpuid2);
    F("kvm_cpuid2", struct kvm_cpuid2, nent);
    F("kvm_cpuid2", struct kvm_cpuid2, padding);

    S("kvm_msr_filter_range", struct kvm_msr_filter_range);
    F("kvm_msr_filter_range", struct kvm_msr_filter_range, flags);
    F("kvm_msr_filter_range", struct kvm_msr_filter_range, nmsrs);
    F("kvm_msr_filter_range", struct kvm_msr_filter_range, base);
    F("kvm_msr_filter_range", struct kvm_msr_filter_range, bitmap);

    S("kvm_msr_filter", struct kvm_msr_filter);
    F("kvm_msr_filter", struct kvm_msr_filter, flags);
    F("kvm_msr_filter", struct kvm_msr_filter, ranges);

    S("kvm_enable_cap", struct kvm_enable_cap);
    F("kvm_enable_cap", struct kvm_enable_cap, cap);
    F("kvm_enable_cap", struct kvm_enable_cap, flags);
    F("kvm_enable_cap", struct kvm_enable_cap, args);
    F("kvm_enable_cap", struct kvm_enable_cap, pad);

    S("kvm_interrupt", struct kvm_interrupt);
    F("kvm_interrupt", struct kvm_interrupt, irq);

    S("hvm_start_info", struct hvm_start_info);
    F("hvm_start_info", struct hvm_start_info, magic);
    F("hvm_start_info", struct hvm_start_info, version);
    F("hvm_start_info", struct hvm_start_info, flags);
    F("hvm_start_info", struct hvm_start_info, nr_modules);
    F("hvm_start_info", struct hvm_start_info, modlist_paddr);
    F("hvm_start_info", struct hvm_start_info, cmdline_paddr);
    F("hvm_start_info", struct hvm_start_info, rsdp_paddr);
    F("hvm_start_info", struct hvm_start_info, memmap_paddr);
    F("hvm_start_info", struct hvm_start_info, memmap_entries);
    F("hvm_start_info", struct hvm_start_info, reserved);

    S("hvm_memmap_table_entry", struct hvm_memmap_table_entry);
    F("hvm_memmap_table_entry", struct hvm_memmap_table_entry, addr);
    F("hvm_memmap_table_entry", struct hvm_memmap_table_entry, size);
    F("hvm_memmap_table_entry", struct hvm_memmap_table_entry, type);
    F("hvm_memmap_table_entry", struct hvm_memmap_table_entry, reserved);

    S("sigaction", struct sigaction);
    F("sigaction", struct sigaction, sa_handler);
    F("sigaction", struct sigaction, sa_mask);
    F("sigaction", struct sigaction, sa_flags);
    F("sigaction", struct sigaction, sa_restorer);

    /* ioctl numbers */
    N(KVM_GET_API_VERSION); N(KVM_CREATE_VM); N(KVM_CHECK_EXTENSION); N(KVM_GET_VCPU_MMAP_SIZE);
    N(KVM_GET_SUPPORTED_CPUID); N(KVM_CREATE_VCPU); N(KVM_SET_USER_MEMORY_REGION); N(KVM_RUN);
    N(KVM_GET_REGS); N(KVM_SET_REGS); N(KVM_GET_SREGS); N(KVM_SET_SREGS); N(KVM_SET_CPUID2);
    N(KVM_ENABLE_CAP); N(KVM_INTERRUPT); N(KVM_X86_SET_MSR_FILTER);
    /* API version and capabilities */
    N(KVM_API_VERSION); N(KVM_CAP_USER_MEMORY); N(KVM_CAP_EXT_CPUID); N(KVM_CAP_IMMEDIATE_EXIT);
    N(KVM_CAP_X86_USER_SPACE_MSR); N(KVM_CAP_X86_MSR_FILTER); N(KVM_CAP_XEN_HVM);
    /* exit reasons */
    N(KVM_EXIT_UNKNOWN); N(KVM_EXIT_EXCEPTION); N(KVM_EXIT_IO); N(KVM_EXIT_HYPERCALL); N(KVM_EXIT_DEBUG);
    N(KVM_EXIT_HLT); N(KVM_EXIT_MMIO); N(KVM_EXIT_IRQ_WINDOW_OPEN); N(KVM_EXIT_SHUTDOWN);
    N(KVM_EXIT_FAIL_ENTRY); N(KVM_EXIT_INTR); N(KVM_EXIT_INTERNAL_ERROR); N(KVM_EXIT_SYSTEM_EVENT);
    N(KVM_EXIT_X86_RDMSR); N(KVM_EXIT_X86_WRMSR); N(KVM_EXIT_IO_IN); N(KVM_EXIT_IO_OUT);
    /* MSR filter and user-space MSR exits */
    N(KVM_MSR_FILTER_READ); N(KVM_MSR_FILTER_WRITE); N(KVM_MSR_FILTER_DEFAULT_ALLOW);
    N(KVM_MSR_FILTER_DEFAULT_DENY); N(KVM_MSR_FILTER_MAX_RANGES); N(KVM_MSR_EXIT_REASON_INVAL);
    N(KVM_MSR_EXIT_REASON_UNKNOWN); N(KVM_MSR_EXIT_REASON_FILTER);
    /* Xen PVH */
    N(XEN_HVM_START_MAGIC_VALUE); N(XEN_HVM_MEMMAP_TYPE_RAM); N(XEN_ELFNOTE_PHYS32_ENTRY);
    return 0;
}
