package io.pvkit.abi.grant;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code struct gnttab_transfer} (24 bytes) from Xen {@code xen/grant_table.h}, interface version 0x00040e00,
 * x86_64, little-endian.
 *
 * <p>Element of {@code GNTTABOP_transfer} (4), PV only.
 *
 * <pre>
 *     0  mfn                          u64        [IN]
 *     8  domid                        u16        [IN]
 *    12  ref                          u32        [IN]
 *    16  status                       i16        [OUT] GNTST_*
 * </pre>
 */
public final class GnttabTransferLayout {
    /** {@code struct gnttab_transfer}; the single source of truth for the offsets below. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("mfn"),
            JAVA_SHORT.withName("domid"),
            MemoryLayout.paddingLayout(2),
            JAVA_INT.withName("ref"),
            JAVA_SHORT.withName("status"),
            MemoryLayout.paddingLayout(6))
            .withName("gnttab_transfer");

    /** Size of {@code struct gnttab_transfer} in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code mfn}. */
    public static final long MFN_OFFSET = LAYOUT.byteOffset(groupElement("mfn"));
    /** Offset of {@code domid}. */
    public static final long DOMID_OFFSET = LAYOUT.byteOffset(groupElement("domid"));
    /** Offset of {@code ref}. */
    public static final long REF_OFFSET = LAYOUT.byteOffset(groupElement("ref"));
    /** Offset of {@code status}. */
    public static final long STATUS_OFFSET = LAYOUT.byteOffset(groupElement("status"));

    private GnttabTransferLayout() {
    }
}
