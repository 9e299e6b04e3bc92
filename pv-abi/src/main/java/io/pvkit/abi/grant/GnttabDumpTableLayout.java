package io.pvkit.abi.grant;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code struct gnttab_dump_table} (4 bytes) from Xen {@code xen/grant_table.h}, interface version 0x00040e00,
 * x86_64, little-endian.
 *
 * <p>Element of {@code GNTTABOP_dump_table} (3).
 *
 * <pre>
 *     0  dom                          u16        [IN]
 *     2  status                       i16        [OUT] GNTST_*
 * </pre>
 */
public final class GnttabDumpTableLayout {
    /** {@code struct gnttab_dump_table}; the single source of truth for the offsets below. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_SHORT.withName("dom"),
            JAVA_SHORT.withName("status"))
            .withName("gnttab_dump_table");

    /** Size of {@code struct gnttab_dump_table} in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code dom}. */
    public static final long DOM_OFFSET = LAYOUT.byteOffset(groupElement("dom"));
    /** Offset of {@code status}. */
    public static final long STATUS_OFFSET = LAYOUT.byteOffset(groupElement("status"));

    private GnttabDumpTableLayout() {
    }
}
