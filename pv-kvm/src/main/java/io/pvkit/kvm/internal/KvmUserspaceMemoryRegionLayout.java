package io.pvkit.kvm.internal;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code struct kvm_userspace_memory_region} (32 bytes) from Linux {@code linux/kvm.h}: argument [IN] of
 * {@code KVM_SET_USER_MEMORY_REGION}.
 *
 * <pre>
 *     0  slot             u32
 *     4  flags            u32
 *     8  guest_phys_addr  u64
 *    16  memory_size      u64   bytes
 *    24  userspace_addr   u64   host virtual address of the backing memory
 * </pre>
 */
public final class KvmUserspaceMemoryRegionLayout {
    /** {@code struct kvm_userspace_memory_region}. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("slot"), JAVA_INT.withName("flags"), JAVA_LONG.withName("guest_phys_addr"),
            JAVA_LONG.withName("memory_size"), JAVA_LONG.withName("userspace_addr"))
            .withName("kvm_userspace_memory_region");

    /** Size in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code slot}. */
    public static final long SLOT_OFFSET = LAYOUT.byteOffset(groupElement("slot"));
    /** Offset of {@code flags}. */
    public static final long FLAGS_OFFSET = LAYOUT.byteOffset(groupElement("flags"));
    /** Offset of {@code guest_phys_addr}. */
    public static final long GUEST_PHYS_ADDR_OFFSET = LAYOUT.byteOffset(groupElement("guest_phys_addr"));
    /** Offset of {@code memory_size}. */
    public static final long MEMORY_SIZE_OFFSET = LAYOUT.byteOffset(groupElement("memory_size"));
    /** Offset of {@code userspace_addr}. */
    public static final long USERSPACE_ADDR_OFFSET = LAYOUT.byteOffset(groupElement("userspace_addr"));

    private KvmUserspaceMemoryRegionLayout() {
    }
}
