package io.pvkit.abi.grant;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code struct gnttab_get_version} (8 bytes) from Xen {@code xen/grant_table.h}, interface version 0x00040e00,
 * x86_64, little-endian.
 *
 * <p>Argument of {@code GNTTABOP_get_version} (10).
 *
 * <pre>
 *     0  dom                          u16        [IN]
 *     2  pad                          u16
 *     4  version                      u32        [OUT]
 * </pre>
 */
public final class GnttabGetVersionLayout {
    /** {@code struct gnttab_get_version}; the single source of truth for the offsets below. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_SHORT.withName("dom"),
            JAVA_SHORT.withName("pad"),
            JAVA_INT.withName("version"))
            .withName("gnttab_get_version");

    /** Size of {@code struct gnttab_get_version} in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code dom}. */
    public static final long DOM_OFFSET = LAYOUT.byteOffset(groupElement("dom"));
    /** Offset of {@code pad}. */
    public static final long PAD_OFFSET = LAYOUT.byteOffset(groupElement("pad"));
    /** Offset of {@code version}. */
    public static final long VERSION_OFFSET = LAYOUT.byteOffset(groupElement("version"));

    private GnttabGetVersionLayout() {
    }
}
