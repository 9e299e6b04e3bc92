package io.pvkit.abi.grant;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code struct gnttab_get_status_frames} (16 bytes) from Xen {@code xen/grant_table.h}, interface version 0x00040e00,
 * x86_64, little-endian.
 *
 * <p>Argument of {@code GNTTABOP_get_status_frames} (9), v2 only.
 *
 * <pre>
 *     0  nr_frames                    u32        [IN]
 *     4  dom                          u16        [IN]
 *     6  status                       i16        [OUT] GNTST_*
 *     8  frame_list                   handle     [IN] guest pointer to u64[nr_frames]
 * </pre>
 */
public final class GnttabGetStatusFramesLayout {
    /** {@code struct gnttab_get_status_frames}; the single source of truth for the offsets below. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("nr_frames"),
            JAVA_SHORT.withName("dom"),
            JAVA_SHORT.withName("status"),
            JAVA_LONG.withName("frame_list"))
            .withName("gnttab_get_status_frames");

    /** Size of {@code struct gnttab_get_status_frames} in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code nr_frames}. */
    public static final long NR_FRAMES_OFFSET = LAYOUT.byteOffset(groupElement("nr_frames"));
    /** Offset of {@code dom}. */
    public static final long DOM_OFFSET = LAYOUT.byteOffset(groupElement("dom"));
    /** Offset of {@code status}. */
    public static final long STATUS_OFFSET = LAYOUT.byteOffset(groupElement("status"));
    /** Offset of {@code frame_list}. */
    public static final long FRAME_LIST_OFFSET = LAYOUT.byteOffset(groupElement("frame_list"));

    private GnttabGetStatusFramesLayout() {
    }
}
