package io.pvkit.kvm.internal;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code struct kvm_enable_cap} (104 bytes) from Linux {@code linux/kvm.h}: argument [IN] of
 * {@code KVM_ENABLE_CAP}.
 *
 * <pre>
 *     0  cap    u32
 *     4  flags  u32
 *     8  args   u64[4]
 *    40  pad    u8[64]
 * </pre>
 */
public final class KvmEnableCapLayout {
    /** {@code struct kvm_enable_cap}. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("cap"), JAVA_INT.withName("flags"),
            MemoryLayout.sequenceLayout(4, JAVA_LONG).withName("args"),
            MemoryLayout.sequenceLayout(64, JAVA_BYTE).withName("pad"))
            .withName("kvm_enable_cap");

    /** Size in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code cap}. */
    public static final long CAP_OFFSET = LAYOUT.byteOffset(groupElement("cap"));
    /** Offset of {@code args[0]}. */
    public static final long ARGS_OFFSET = LAYOUT.byteOffset(groupElement("args"));

    private KvmEnableCapLayout() {
    }
}
