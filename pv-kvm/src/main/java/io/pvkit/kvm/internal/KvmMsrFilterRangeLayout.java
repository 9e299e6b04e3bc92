package io.pvkit.kvm.internal;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code struct kvm_msr_filter_range} (24 bytes) from Linux {@code asm/kvm.h} (x86): one range of the
 * MSR filter.
 *
 * <pre>
 *     0  flags   u32   KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE: the operations the bitmap governs
 *     4  nmsrs   u32   MSRs covered by the bitmap
 *     8  base    u32   first MSR index
 *    12  (pad)   4 bytes
 *    16  bitmap  u8*   host address; a 1 bit allows, a 0 bit denies (exits to user space)
 * </pre>
 */
public final class KvmMsrFilterRangeLayout {
    /** {@code struct kvm_msr_filter_range}. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("flags"), JAVA_INT.withName("nmsrs"), JAVA_INT.withName("base"),
            MemoryLayout.paddingLayout(4), JAVA_LONG.withName("bitmap"))
            .withName("kvm_msr_filter_range");

    /** Size in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code flags}. */
    public static final long FLAGS_OFFSET = LAYOUT.byteOffset(groupElement("flags"));
    /** Offset of {@code nmsrs}. */
    public static final long NMSRS_OFFSET = LAYOUT.byteOffset(groupElement("nmsrs"));
    /** Offset of {@code base}. */
    public static final long BASE_OFFSET = LAYOUT.byteOffset(groupElement("base"));
    /** Offset of {@code bitmap}. */
    public static final long BITMAP_OFFSET = LAYOUT.byteOffset(groupElement("bitmap"));

    private KvmMsrFilterRangeLayout() {
    }
}
