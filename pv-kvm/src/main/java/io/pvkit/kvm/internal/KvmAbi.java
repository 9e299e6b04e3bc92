package io.pvkit.kvm.internal;

/**
 * The Linux KVM numbers pv-kvm uses, named exactly as in {@code linux/kvm.h} and {@code asm/kvm.h}
 * (x86_64) and pinned with literal values; {@code KvmHeaderCrossCheckTest} compares every
 * {@code KVM_*} constant here with the value gcc computes from the installed headers.
 *
 * <p>ioctl numbers are {@code _IOC(dir, 0xAE, nr, size)} = {@code dir << 30 | size << 16 | 0xAE << 8 | nr}
 * with {@code dir} 0 (none), 1 (write: user space to kernel), 2 (read), 3 (both).
 */
public final class KvmAbi {
    /** The only KVM API version there has ever been ({@code KVM_API_VERSION}). */
    public static final int KVM_API_VERSION = 12;

    // ioctls on /dev/kvm
    /** {@code _IO(0xAE, 0x00)}. */
    public static final long KVM_GET_API_VERSION = 0xAE00L;
    /** {@code _IO(0xAE, 0x01)}, argument: machine type 0. */
    public static final long KVM_CREATE_VM = 0xAE01L;
    /** {@code _IO(0xAE, 0x03)}, argument: a {@code KVM_CAP_*}; returns 0 when absent. */
    public static final long KVM_CHECK_EXTENSION = 0xAE03L;
    /** {@code _IO(0xAE, 0x04)}: size of the {@code kvm_run} mapping. */
    public static final long KVM_GET_VCPU_MMAP_SIZE = 0xAE04L;
    /** {@code _IOWR(0xAE, 0x05, struct kvm_cpuid2)}. */
    public static final long KVM_GET_SUPPORTED_CPUID = 0xC008AE05L;
    // ioctls on a VM fd
    /** {@code _IO(0xAE, 0x41)}, argument: vCPU id. */
    public static final long KVM_CREATE_VCPU = 0xAE41L;
    /** {@code _IOW(0xAE, 0x46, struct kvm_userspace_memory_region)}. */
    public static final long KVM_SET_USER_MEMORY_REGION = 0x4020AE46L;
    /** {@code _IOW(0xAE, 0xa3, struct kvm_enable_cap)} (also valid on a vCPU fd). */
    public static final long KVM_ENABLE_CAP = 0x4068AEA3L;
    /** {@code _IOW(0xAE, 0xc6, struct kvm_msr_filter)}. */
    public static final long KVM_X86_SET_MSR_FILTER = 0x4188AEC6L;
    // ioctls on a vCPU fd
    /** {@code _IO(0xAE, 0x80)}. */
    public static final long KVM_RUN = 0xAE80L;
    /** {@code _IOR(0xAE, 0x81, struct kvm_regs)}. */
    public static final long KVM_GET_REGS = 0x8090AE81L;
    /** {@code _IOW(0xAE, 0x82, struct kvm_regs)}. */
    public static final long KVM_SET_REGS = 0x4090AE82L;
    /** {@code _IOR(0xAE, 0x83, struct kvm_sregs)}. */
    public static final long KVM_GET_SREGS = 0x8138AE83L;
    /** {@code _IOW(0xAE, 0x84, struct kvm_sregs)}. */
    public static final long KVM_SET_SREGS = 0x4138AE84L;
    /** {@code _IOW(0xAE, 0x86, struct kvm_interrupt)}. */
    public static final long KVM_INTERRUPT = 0x4004AE86L;
    /** {@code _IOW(0xAE, 0x90, struct kvm_cpuid2)}. */
    public static final long KVM_SET_CPUID2 = 0x4008AE90L;

    // capabilities
    /** {@code KVM_SET_USER_MEMORY_REGION}. */
    public static final int KVM_CAP_USER_MEMORY = 3;
    /** {@code KVM_GET_SUPPORTED_CPUID} / {@code KVM_SET_CPUID2}. */
    public static final int KVM_CAP_EXT_CPUID = 7;
    /** The in-kernel Xen emulation (absent on the nested kvm_pvm hosts pvkit was measured on). */
    public static final int KVM_CAP_XEN_HVM = 38;
    /** {@code kvm_run.immediate_exit}. */
    public static final int KVM_CAP_IMMEDIATE_EXIT = 136;
    /** MSR accesses exit to user space ({@code KVM_EXIT_X86_RDMSR/WRMSR}). */
    public static final int KVM_CAP_X86_USER_SPACE_MSR = 188;
    /** {@code KVM_X86_SET_MSR_FILTER}. */
    public static final int KVM_CAP_X86_MSR_FILTER = 189;

    // exit reasons (kvm_run.exit_reason)
    /** Unknown hardware exit. */
    public static final int KVM_EXIT_UNKNOWN = 0;
    /** Exception (not reported on x86). */
    public static final int KVM_EXIT_EXCEPTION = 1;
    /** Port I/O. */
    public static final int KVM_EXIT_IO = 2;
    /** KVM hypercall (only with KVM_CAP_EXIT_HYPERCALL). */
    public static final int KVM_EXIT_HYPERCALL = 3;
    /** Debug. */
    public static final int KVM_EXIT_DEBUG = 4;
    /** {@code hlt} (without an in-kernel irqchip). */
    public static final int KVM_EXIT_HLT = 5;
    /** Access to guest-physical memory no slot backs. */
    public static final int KVM_EXIT_MMIO = 6;
    /** Interrupt window open. */
    public static final int KVM_EXIT_IRQ_WINDOW_OPEN = 7;
    /** Triple fault. */
    public static final int KVM_EXIT_SHUTDOWN = 8;
    /** VM entry failed. */
    public static final int KVM_EXIT_FAIL_ENTRY = 9;
    /** Interrupted by a signal. */
    public static final int KVM_EXIT_INTR = 10;
    /** KVM could not handle an exit (for example an instruction it cannot emulate). */
    public static final int KVM_EXIT_INTERNAL_ERROR = 17;
    /** System event (shutdown, reset, crash). */
    public static final int KVM_EXIT_SYSTEM_EVENT = 24;
    /** {@code rdmsr} exit to user space. */
    public static final int KVM_EXIT_X86_RDMSR = 29;
    /** {@code wrmsr} exit to user space. */
    public static final int KVM_EXIT_X86_WRMSR = 30;
    /** {@code kvm_run.io.direction}: in. */
    public static final int KVM_EXIT_IO_IN = 0;
    /** {@code kvm_run.io.direction}: out. */
    public static final int KVM_EXIT_IO_OUT = 1;

    // MSR filter and user-space MSR exits
    /** Range flag: the bitmap governs reads. */
    public static final int KVM_MSR_FILTER_READ = 1;
    /** Range flag: the bitmap governs writes. */
    public static final int KVM_MSR_FILTER_WRITE = 2;
    /** Filter flag: MSRs outside every range are allowed. */
    public static final int KVM_MSR_FILTER_DEFAULT_ALLOW = 0;
    /** Filter flag: MSRs outside every range are denied. */
    public static final int KVM_MSR_FILTER_DEFAULT_DENY = 1;
    /** Ranges in {@code struct kvm_msr_filter}. */
    public static final int KVM_MSR_FILTER_MAX_RANGES = 16;
    /** User-space MSR exit reason: invalid access. */
    public static final int KVM_MSR_EXIT_REASON_INVAL = 1;
    /** User-space MSR exit reason: unknown MSR. */
    public static final int KVM_MSR_EXIT_REASON_UNKNOWN = 2;
    /** User-space MSR exit reason: denied by the filter. */
    public static final int KVM_MSR_EXIT_REASON_FILTER = 4;

    private KvmAbi() {
    }
}
