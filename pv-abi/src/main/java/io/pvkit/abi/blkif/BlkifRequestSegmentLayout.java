package io.pvkit.abi.blkif;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * {@code struct blkif_request_segment} (8 bytes) from Xen {@code xen/io/blkif.h}, interface version 0x00040e00,
 * x86_64, little-endian.
 *
 * <p>One granted page of a request; sectors are inclusive and index 512-byte sectors inside the page (0..7).
 *
 * <pre>
 *     0  gref                         u32        [front]
 *     4  first_sect                   u8         [front]
 *     5  last_sect                    u8         [front]
 * </pre>
 */
public final class BlkifRequestSegmentLayout {
    /** {@code struct blkif_request_segment}; the single source of truth for the offsets below. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("gref"),
            JAVA_BYTE.withName("first_sect"),
            JAVA_BYTE.withName("last_sect"),
            MemoryLayout.paddingLayout(2))
            .withName("blkif_request_segment");

    /** Size of {@code struct blkif_request_segment} in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code gref}. */
    public static final long GREF_OFFSET = LAYOUT.byteOffset(groupElement("gref"));
    /** Offset of {@code first_sect}. */
    public static final long FIRST_SECT_OFFSET = LAYOUT.byteOffset(groupElement("first_sect"));
    /** Offset of {@code last_sect}. */
    public static final long LAST_SECT_OFFSET = LAYOUT.byteOffset(groupElement("last_sect"));

    private BlkifRequestSegmentLayout() {
    }
}
