package io.pvkit.abi.blkif;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code struct blkif_request} (112 bytes) from Xen {@code xen/io/blkif.h}, interface version 0x00040e00,
 * x86_64, little-endian.
 *
 * <p>A read/write/flush request slot of the blkif ring.
 *
 * <pre>
 *     0  operation                    u8         [front] BLKIF_OP_*
 *     1  nr_segments                  u8         [front] at most 11
 *     2  handle                       u16        [front]
 *     8  id                           u64        [front] echoed in the response
 *    16  sector_number                u64        [front]
 *    24  seg                          segment[11] [front]
 * </pre>
 */
public final class BlkifRequestLayout {
    /** {@code struct blkif_request}; the single source of truth for the offsets below. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_BYTE.withName("operation"),
            JAVA_BYTE.withName("nr_segments"),
            JAVA_SHORT.withName("handle"),
            MemoryLayout.paddingLayout(4),
            JAVA_LONG.withName("id"),
            JAVA_LONG.withName("sector_number"),
            MemoryLayout.sequenceLayout(11, BlkifRequestSegmentLayout.LAYOUT).withName("seg"))
            .withName("blkif_request");

    /** Size of {@code struct blkif_request} in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code operation}. */
    public static final long OPERATION_OFFSET = LAYOUT.byteOffset(groupElement("operation"));
    /** Offset of {@code nr_segments}. */
    public static final long NR_SEGMENTS_OFFSET = LAYOUT.byteOffset(groupElement("nr_segments"));
    /** Offset of {@code handle}. */
    public static final long HANDLE_OFFSET = LAYOUT.byteOffset(groupElement("handle"));
    /** Offset of {@code id}. */
    public static final long ID_OFFSET = LAYOUT.byteOffset(groupElement("id"));
    /** Offset of {@code sector_number}. */
    public static final long SECTOR_NUMBER_OFFSET = LAYOUT.byteOffset(groupElement("sector_number"));
    /** Offset of {@code seg}. */
    public static final long SEG_OFFSET = LAYOUT.byteOffset(groupElement("seg"));
    /** {@code BLKIF_MAX_SEGMENTS_PER_REQUEST}. */
    public static final int MAX_SEGMENTS_PER_REQUEST = 11;

    private BlkifRequestLayout() {
    }
}
