package io.pvkit.abi.blkif;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code struct blkif_response} (16 bytes) from Xen {@code xen/io/blkif.h}, interface version 0x00040e00,
 * x86_64, little-endian.
 *
 * <p>A response slot of the blkif ring.
 *
 * <pre>
 *     0  id                           u64        [back] copied from the request
 *     8  operation                    u8         [back]
 *    10  status                       i16        [back] BLKIF_RSP_*
 * </pre>
 */
public final class BlkifResponseLayout {
    /** {@code struct blkif_response}; the single source of truth for the offsets below. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("id"),
            JAVA_BYTE.withName("operation"),
            MemoryLayout.paddingLayout(1),
            JAVA_SHORT.withName("status"),
            MemoryLayout.paddingLayout(4))
            .withName("blkif_response");

    /** Size of {@code struct blkif_response} in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code id}. */
    public static final long ID_OFFSET = LAYOUT.byteOffset(groupElement("id"));
    /** Offset of {@code operation}. */
    public static final long OPERATION_OFFSET = LAYOUT.byteOffset(groupElement("operation"));
    /** Offset of {@code status}. */
    public static final long STATUS_OFFSET = LAYOUT.byteOffset(groupElement("status"));
    /** {@code BLKIF_RSP_OKAY}. */
    public static final short RSP_OKAY = 0;
    /** {@code BLKIF_RSP_ERROR}. */
    public static final short RSP_ERROR = -1;
    /** {@code BLKIF_RSP_EOPNOTSUPP}: the operation is not supported. */
    public static final short RSP_EOPNOTSUPP = -2;

    private BlkifResponseLayout() {
    }
}
