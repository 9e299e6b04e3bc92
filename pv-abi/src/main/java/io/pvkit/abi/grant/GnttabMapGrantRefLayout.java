package io.pvkit.abi.grant;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code struct gnttab_map_grant_ref} (32 bytes) from Xen {@code xen/grant_table.h}, interface version 0x00040e00,
 * x86_64, little-endian.
 *
 * <p>Element of {@code GNTTABOP_map_grant_ref} (0).
 *
 * <pre>
 *     0  host_addr                    u64        [IN]
 *     8  flags                        u32        [IN] GNTMAP_*
 *    12  ref                          u32        [IN]
 *    16  dom                          u16        [IN]
 *    18  status                       i16        [OUT] GNTST_*
 *    20  handle                       u32        [OUT]
 *    24  dev_bus_addr                 u64        [OUT]
 * </pre>
 */
public final class GnttabMapGrantRefLayout {
    /** {@code struct gnttab_map_grant_ref}; the single source of truth for the offsets below. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("host_addr"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("ref"),
            JAVA_SHORT.withName("dom"),
            JAVA_SHORT.withName("status"),
            JAVA_INT.withName("handle"),
            JAVA_LONG.withName("dev_bus_addr"))
            .withName("gnttab_map_grant_ref");

    /** Size of {@code struct gnttab_map_grant_ref} in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code host_addr}. */
    public static final long HOST_ADDR_OFFSET = LAYOUT.byteOffset(groupElement("host_addr"));
    /** Offset of {@code flags}. */
    public static final long FLAGS_OFFSET = LAYOUT.byteOffset(groupElement("flags"));
    /** Offset of {@code ref}. */
    public static final long REF_OFFSET = LAYOUT.byteOffset(groupElement("ref"));
    /** Offset of {@code dom}. */
    public static final long DOM_OFFSET = LAYOUT.byteOffset(groupElement("dom"));
    /** Offset of {@code status}. */
    public static final long STATUS_OFFSET = LAYOUT.byteOffset(groupElement("status"));
    /** Offset of {@code handle}. */
    public static final long HANDLE_OFFSET = LAYOUT.byteOffset(groupElement("handle"));
    /** Offset of {@code dev_bus_addr}. */
    public static final long DEV_BUS_ADDR_OFFSET = LAYOUT.byteOffset(groupElement("dev_bus_addr"));

    private GnttabMapGrantRefLayout() {
    }
}
