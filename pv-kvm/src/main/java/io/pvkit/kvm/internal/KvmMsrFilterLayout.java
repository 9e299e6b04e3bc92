package io.pvkit.kvm.internal;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * {@code struct kvm_msr_filter} (392 bytes) from Linux {@code asm/kvm.h} (x86): argument [IN] of
 * {@code KVM_X86_SET_MSR_FILTER}.
 *
 * <pre>
 *     0  flags   u32   KVM_MSR_FILTER_DEFAULT_ALLOW (0) or _DENY (1) for MSRs outside every range
 *     4  (pad)   4 bytes
 *     8  ranges  struct kvm_msr_filter_range[16]; a range with nmsrs 0 ends the list
 * </pre>
 */
public final class KvmMsrFilterLayout {
    /** {@code struct kvm_msr_filter}. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("flags"), MemoryLayout.paddingLayout(4),
            MemoryLayout.sequenceLayout(16, KvmMsrFilterRangeLayout.LAYOUT).withName("ranges"))
            .withName("kvm_msr_filter");

    /** Size in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code flags}. */
    public static final long FLAGS_OFFSET = LAYOUT.byteOffset(groupElement("flags"));
    /** Offset of {@code ranges[0]}. */
    public static final long RANGES_OFFSET = LAYOUT.byteOffset(groupElement("ranges"));

    private KvmMsrFilterLayout() {
    }
}
