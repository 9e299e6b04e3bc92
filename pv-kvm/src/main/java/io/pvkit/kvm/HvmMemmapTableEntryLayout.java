package io.pvkit.kvm;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code struct hvm_memmap_table_entry} (24 bytes) from Xen {@code arch-x86/hvm/start_info.h}: one entry
 * of the memory map {@link HvmStartInfoLayout} points to (E820 semantics).
 *
 * <pre>
 *     0  addr      u64  start of the range
 *     8  size      u64  bytes
 *    16  type      u32  XEN_HVM_MEMMAP_TYPE_* (1 = RAM)
 *    20  reserved  u32  must be zero
 * </pre>
 */
public final class HvmMemmapTableEntryLayout {
    /** {@code XEN_HVM_MEMMAP_TYPE_RAM}. */
    public static final int XEN_HVM_MEMMAP_TYPE_RAM = 1;

    /** {@code struct hvm_memmap_table_entry}. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("addr"), JAVA_LONG.withName("size"), JAVA_INT.withName("type"),
            JAVA_INT.withName("reserved"))
            .withName("hvm_memmap_table_entry");

    /** Size in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code addr}. */
    public static final long ADDR_OFFSET = LAYOUT.byteOffset(groupElement("addr"));
    /** Offset of {@code size}. */
    public static final long SIZE_OFFSET = LAYOUT.byteOffset(groupElement("size"));
    /** Offset of {@code type}. */
    public static final long TYPE_OFFSET = LAYOUT.byteOffset(groupElement("type"));

    private HvmMemmapTableEntryLayout() {
    }
}
