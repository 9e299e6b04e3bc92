package io.pvkit.kvm.internal;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code struct kvm_dtable} (16 bytes) from Linux {@code asm/kvm.h} (x86): a descriptor-table register
 * (GDTR, IDTR).
 *
 * <pre>
 *     0  base     u64
 *     8  limit    u16
 *    10  padding  u16[3]
 * </pre>
 */
public final class KvmDtableLayout {
    /** {@code struct kvm_dtable}. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("base"), JAVA_SHORT.withName("limit"),
            MemoryLayout.sequenceLayout(3, JAVA_SHORT).withName("padding"))
            .withName("kvm_dtable");

    /** Size in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code base}. */
    public static final long BASE_OFFSET = LAYOUT.byteOffset(groupElement("base"));
    /** Offset of {@code limit}. */
    public static final long LIMIT_OFFSET = LAYOUT.byteOffset(groupElement("limit"));

    private KvmDtableLayout() {
    }
}
