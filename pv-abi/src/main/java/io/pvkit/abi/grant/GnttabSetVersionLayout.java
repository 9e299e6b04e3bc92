package io.pvkit.abi.grant;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * {@code struct gnttab_set_version} (4 bytes) from Xen {@code xen/grant_table.h}, interface version 0x00040e00,
 * x86_64, little-endian.
 *
 * <p>Argument of {@code GNTTABOP_set_version} (8).
 *
 * <pre>
 *     0  version                      u32        [IN/OUT] 1 or 2
 * </pre>
 */
public final class GnttabSetVersionLayout {
    /** {@code struct gnttab_set_version}; the single source of truth for the offsets below. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("version"))
            .withName("gnttab_set_version");

    /** Size of {@code struct gnttab_set_version} in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code version}. */
    public static final long VERSION_OFFSET = LAYOUT.byteOffset(groupElement("version"));

    private GnttabSetVersionLayout() {
    }
}
