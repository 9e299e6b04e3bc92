package io.pvkit.abi.grant;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code struct gnttab_query_size} (16 bytes) from Xen {@code xen/grant_table.h}, interface version 0x00040e00,
 * x86_64, little-endian.
 *
 * <p>Element of {@code GNTTABOP_query_size} (6).
 *
 * <pre>
 *     0  dom                          u16        [IN]
 *     4  nr_frames                    u32        [OUT]
 *     8  max_nr_frames                u32        [OUT]
 *    12  status                       i16        [OUT] GNTST_*
 * </pre>
 */
public final class GnttabQuerySizeLayout {
    /** {@code struct gnttab_query_size}; the single source of truth for the offsets below. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_SHORT.withName("dom"),
            MemoryLayout.paddingLayout(2),
            JAVA_INT.withName("nr_frames"),
            JAVA_INT.withName("max_nr_frames"),
            JAVA_SHORT.withName("status"),
            MemoryLayout.paddingLayout(2))
            .withName("gnttab_query_size");

    /** Size of {@code struct gnttab_query_size} in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code dom}. */
    public static final long DOM_OFFSET = LAYOUT.byteOffset(groupElement("dom"));
    /** Offset of {@code nr_frames}. */
    public static final long NR_FRAMES_OFFSET = LAYOUT.byteOffset(groupElement("nr_frames"));
    /** Offset of {@code max_nr_frames}. */
    public static final long MAX_NR_FRAMES_OFFSET = LAYOUT.byteOffset(groupElement("max_nr_frames"));
    /** Offset of {@code status}. */
    public static final long STATUS_OFFSET = LAYOUT.byteOffset(groupElement("status"));

    private GnttabQuerySizeLayout() {
    }
}
