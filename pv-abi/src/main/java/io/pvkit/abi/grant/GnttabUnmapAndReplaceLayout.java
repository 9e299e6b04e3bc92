package io.pvkit.abi.grant;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code struct gnttab_unmap_and_replace} (24 bytes) from Xen {@code xen/grant_table.h}, interface version 0x00040e00,
 * x86_64, little-endian.
 *
 * <p>Element of {@code GNTTABOP_unmap_and_replace} (7).
 *
 * <pre>
 *     0  host_addr                    u64        [IN]
 *     8  new_addr                     u64        [IN]
 *    16  handle                       u32        [IN]
 *    20  status                       i16        [OUT] GNTST_*
 * </pre>
 */
public final class GnttabUnmapAndReplaceLayout {
    /** {@code struct gnttab_unmap_and_replace}; the single source of truth for the offsets below. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("host_addr"),
            JAVA_LONG.withName("new_addr"),
            JAVA_INT.withName("handle"),
            JAVA_SHORT.withName("status"),
            MemoryLayout.paddingLayout(2))
            .withName("gnttab_unmap_and_replace");

    /** Size of {@code struct gnttab_unmap_and_replace} in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code host_addr}. */
    public static final long HOST_ADDR_OFFSET = LAYOUT.byteOffset(groupElement("host_addr"));
    /** Offset of {@code new_addr}. */
    public static final long NEW_ADDR_OFFSET = LAYOUT.byteOffset(groupElement("new_addr"));
    /** Offset of {@code handle}. */
    public static final long HANDLE_OFFSET = LAYOUT.byteOffset(groupElement("handle"));
    /** Offset of {@code status}. */
    public static final long STATUS_OFFSET = LAYOUT.byteOffset(groupElement("status"));

    private GnttabUnmapAndReplaceLayout() {
    }
}
