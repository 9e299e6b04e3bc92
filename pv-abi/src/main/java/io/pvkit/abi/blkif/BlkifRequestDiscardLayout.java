package io.pvkit.abi.blkif;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code struct blkif_request_discard} (32 bytes) from Xen {@code xen/io/blkif.h}, interface version 0x00040e00,
 * x86_64, little-endian.
 *
 * <p>A {@code BLKIF_OP_DISCARD} request (shares the slot with {@code blkif_request}).
 *
 * <pre>
 *     0  operation                    u8         [front]
 *     1  flag                         u8         [front] BLKIF_DISCARD_SECURE
 *     2  handle                       u16        [front]
 *     8  id                           u64        [front]
 *    16  sector_number                u64        [front]
 *    24  nr_sectors                   u64        [front]
 * </pre>
 */
public final class BlkifRequestDiscardLayout {
    /** {@code struct blkif_request_discard}; the single source of truth for the offsets below. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_BYTE.withName("operation"),
            JAVA_BYTE.withName("flag"),
            JAVA_SHORT.withName("handle"),
            MemoryLayout.paddingLayout(4),
            JAVA_LONG.withName("id"),
            JAVA_LONG.withName("sector_number"),
            JAVA_LONG.withName("nr_sectors"))
            .withName("blkif_request_discard");

    /** Size of {@code struct blkif_request_discard} in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code operation}. */
    public static final long OPERATION_OFFSET = LAYOUT.byteOffset(groupElement("operation"));
    /** Offset of {@code flag}. */
    public static final long FLAG_OFFSET = LAYOUT.byteOffset(groupElement("flag"));
    /** Offset of {@code handle}. */
    public static final long HANDLE_OFFSET = LAYOUT.byteOffset(groupElement("handle"));
    /** Offset of {@code id}. */
    public static final long ID_OFFSET = LAYOUT.byteOffset(groupElement("id"));
    /** Offset of {@code sector_number}. */
    public static final long SECTOR_NUMBER_OFFSET = LAYOUT.byteOffset(groupElement("sector_number"));
    /** Offset of {@code nr_sectors}. */
    public static final long NR_SECTORS_OFFSET = LAYOUT.byteOffset(groupElement("nr_sectors"));
    /** {@code BLKIF_DISCARD_SECURE}: flag bit asking for a secure discard. */
    public static final int DISCARD_SECURE = 1;

    private BlkifRequestDiscardLayout() {
    }
}
