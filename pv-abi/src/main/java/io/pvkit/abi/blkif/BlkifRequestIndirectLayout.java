package io.pvkit.abi.blkif;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code struct blkif_request_indirect} (64 bytes) from Xen {@code xen/io/blkif.h}, interface version 0x00040e00,
 * x86_64, little-endian.
 *
 * <p>A {@code BLKIF_OP_INDIRECT} request: segments live in up to 8 granted pages of {@code blkif_request_segment}.
 *
 * <pre>
 *     0  operation                    u8         [front]
 *     1  indirect_op                  u8         [front]
 *     2  nr_segments                  u16        [front]
 *     8  id                           u64        [front]
 *    16  sector_number                u64        [front]
 *    24  handle                       u16        [front]
 *    28  indirect_grefs               u32[8]     [front]
 * </pre>
 */
public final class BlkifRequestIndirectLayout {
    /** {@code struct blkif_request_indirect}; the single source of truth for the offsets below. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_BYTE.withName("operation"),
            JAVA_BYTE.withName("indirect_op"),
            JAVA_SHORT.withName("nr_segments"),
            MemoryLayout.paddingLayout(4),
            JAVA_LONG.withName("id"),
            JAVA_LONG.withName("sector_number"),
            JAVA_SHORT.withName("handle"),
            MemoryLayout.paddingLayout(2),
            MemoryLayout.sequenceLayout(8, JAVA_INT).withName("indirect_grefs"),
            MemoryLayout.paddingLayout(4))
            .withName("blkif_request_indirect");

    /** Size of {@code struct blkif_request_indirect} in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code operation}. */
    public static final long OPERATION_OFFSET = LAYOUT.byteOffset(groupElement("operation"));
    /** Offset of {@code indirect_op}. */
    public static final long INDIRECT_OP_OFFSET = LAYOUT.byteOffset(groupElement("indirect_op"));
    /** Offset of {@code nr_segments}. */
    public static final long NR_SEGMENTS_OFFSET = LAYOUT.byteOffset(groupElement("nr_segments"));
    /** Offset of {@code id}. */
    public static final long ID_OFFSET = LAYOUT.byteOffset(groupElement("id"));
    /** Offset of {@code sector_number}. */
    public static final long SECTOR_NUMBER_OFFSET = LAYOUT.byteOffset(groupElement("sector_number"));
    /** Offset of {@code handle}. */
    public static final long HANDLE_OFFSET = LAYOUT.byteOffset(groupElement("handle"));
    /** Offset of {@code indirect_grefs}. */
    public static final long INDIRECT_GREFS_OFFSET = LAYOUT.byteOffset(groupElement("indirect_grefs"));
    /** {@code BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST}. */
    public static final int MAX_INDIRECT_PAGES_PER_REQUEST = 8;
    /** {@code blkif_request_segment}s per indirect page (4096 / 8). */
    public static final int SEGMENTS_PER_INDIRECT_FRAME = 512;

    private BlkifRequestIndirectLayout() {
    }
}
