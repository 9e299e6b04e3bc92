package io.pvkit.kvm.internal;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * {@code struct kvm_cpuid2} (8-byte header, 4-aligned) from Linux {@code asm/kvm.h} (x86), followed by
 * {@code nent} {@link KvmCpuidEntry2Layout} entries (a flexible array member).
 *
 * <pre>
 *     0  nent     u32   [IN/OUT] entries that follow (KVM_GET_SUPPORTED_CPUID: capacity in, count out)
 *     4  padding  u32
 *     8  entries  struct kvm_cpuid_entry2[nent]
 * </pre>
 */
public final class KvmCpuid2Layout {
    /** {@code struct kvm_cpuid2} without its flexible {@code entries}. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("nent"), JAVA_INT.withName("padding"))
            .withName("kvm_cpuid2");

    /** Size of the header in bytes; entries start here. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code nent}. */
    public static final long NENT_OFFSET = LAYOUT.byteOffset(groupElement("nent"));

    private KvmCpuid2Layout() {
    }
}
