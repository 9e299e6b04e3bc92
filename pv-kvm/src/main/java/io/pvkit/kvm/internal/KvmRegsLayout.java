package io.pvkit.kvm.internal;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code struct kvm_regs} (144 bytes) from Linux {@code asm/kvm.h} (x86), native byte order: the
 * general-purpose registers of {@code KVM_GET_REGS} [OUT] / {@code KVM_SET_REGS} [IN].
 *
 * <pre>
 *     0 rax   8 rbx  16 rcx  24 rdx  32 rsi  40 rdi  48 rsp  56 rbp
 *    64 r8   72 r9   80 r10  88 r11  96 r12 104 r13 112 r14 120 r15
 *   128 rip 136 rflags
 * </pre>
 */
public final class KvmRegsLayout {
    /** {@code struct kvm_regs}. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("rax"), JAVA_LONG.withName("rbx"), JAVA_LONG.withName("rcx"),
            JAVA_LONG.withName("rdx"), JAVA_LONG.withName("rsi"), JAVA_LONG.withName("rdi"),
            JAVA_LONG.withName("rsp"), JAVA_LONG.withName("rbp"), JAVA_LONG.withName("r8"),
            JAVA_LONG.withName("r9"), JAVA_LONG.withName("r10"), JAVA_LONG.withName("r11"),
            JAVA_LONG.withName("r12"), JAVA_LONG.withName("r13"), JAVA_LONG.withName("r14"),
            JAVA_LONG.withName("r15"), JAVA_LONG.withName("rip"), JAVA_LONG.withName("rflags"))
            .withName("kvm_regs");

    /** Size in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code rax} (hypercall result). */
    public static final long RAX_OFFSET = off("rax");
    /** Offset of {@code rbx} (PVH: {@code hvm_start_info} address). */
    public static final long RBX_OFFSET = off("rbx");
    /** Offset of {@code rdx} (hypercall argument 3). */
    public static final long RDX_OFFSET = off("rdx");
    /** Offset of {@code rsi} (hypercall argument 2). */
    public static final long RSI_OFFSET = off("rsi");
    /** Offset of {@code rdi} (hypercall argument 1). */
    public static final long RDI_OFFSET = off("rdi");
    /** Offset of {@code r8} (hypercall argument 5). */
    public static final long R8_OFFSET = off("r8");
    /** Offset of {@code r10} (hypercall argument 4). */
    public static final long R10_OFFSET = off("r10");
    /** Offset of {@code rip}. */
    public static final long RIP_OFFSET = off("rip");
    /** Offset of {@code rflags}. */
    public static final long RFLAGS_OFFSET = off("rflags");

    private static long off(String name) {
        return LAYOUT.byteOffset(groupElement(name));
    }

    private KvmRegsLayout() {
    }
}
