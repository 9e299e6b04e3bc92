package io.pvkit.abi.platform;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code struct xen_add_to_physmap} (24 bytes) from Xen {@code xen/memory.h}, interface version 0x00040e00,
 * x86_64, little-endian.
 *
 * <p>Argument of {@code XENMEM_add_to_physmap} (7).
 *
 * <pre>
 *     0  domid                        u16        [IN]
 *     2  size                         u16        [IN] gmfn_range only
 *     4  space                        u32        [IN] XENMAPSPACE_*
 *     8  idx                          u64        [IN] index in space
 *    16  gpfn                         u64        [IN] where it appears
 * </pre>
 */
public final class XenAddToPhysmapLayout {
    /** {@code struct xen_add_to_physmap}; the single source of truth for the offsets below. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_SHORT.withName("domid"),
            JAVA_SHORT.withName("size"),
            JAVA_INT.withName("space"),
            JAVA_LONG.withName("idx"),
            JAVA_LONG.withName("gpfn"))
            .withName("xen_add_to_physmap");

    /** Size of {@code struct xen_add_to_physmap} in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code domid}. */
    public static final long DOMID_OFFSET = LAYOUT.byteOffset(groupElement("domid"));
    /** Offset of {@code size}. */
    public static final long SIZE_OFFSET = LAYOUT.byteOffset(groupElement("size"));
    /** Offset of {@code space}. */
    public static final long SPACE_OFFSET = LAYOUT.byteOffset(groupElement("space"));
    /** Offset of {@code idx}. */
    public static final long IDX_OFFSET = LAYOUT.byteOffset(groupElement("idx"));
    /** Offset of {@code gpfn}. */
    public static final long GPFN_OFFSET = LAYOUT.byteOffset(groupElement("gpfn"));

    private XenAddToPhysmapLayout() {
    }
}
