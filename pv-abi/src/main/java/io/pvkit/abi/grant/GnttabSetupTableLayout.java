package io.pvkit.abi.grant;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code struct gnttab_setup_table} (24 bytes) from Xen {@code xen/grant_table.h}, interface version 0x00040e00,
 * x86_64, little-endian.
 *
 * <p>Element of {@code GNTTABOP_setup_table} (2).
 *
 * <pre>
 *     0  dom                          u16        [IN]
 *     4  nr_frames                    u32        [IN]
 *     8  status                       i16        [OUT] GNTST_*
 *    16  frame_list                   handle     [IN] guest pointer to xen_pfn_t[nr_frames], filled by Xen
 * </pre>
 */
public final class GnttabSetupTableLayout {
    /** {@code struct gnttab_setup_table}; the single source of truth for the offsets below. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_SHORT.withName("dom"),
            MemoryLayout.paddingLayout(2),
            JAVA_INT.withName("nr_frames"),
            JAVA_SHORT.withName("status"),
            MemoryLayout.paddingLayout(6),
            JAVA_LONG.withName("frame_list"))
            .withName("gnttab_setup_table");

    /** Size of {@code struct gnttab_setup_table} in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code dom}. */
    public static final long DOM_OFFSET = LAYOUT.byteOffset(groupElement("dom"));
    /** Offset of {@code nr_frames}. */
    public static final long NR_FRAMES_OFFSET = LAYOUT.byteOffset(groupElement("nr_frames"));
    /** Offset of {@code status}. */
    public static final long STATUS_OFFSET = LAYOUT.byteOffset(groupElement("status"));
    /** Offset of {@code frame_list}. */
    public static final long FRAME_LIST_OFFSET = LAYOUT.byteOffset(groupElement("frame_list"));

    private GnttabSetupTableLayout() {
    }
}
