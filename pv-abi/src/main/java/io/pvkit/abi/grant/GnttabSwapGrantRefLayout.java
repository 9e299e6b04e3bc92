package io.pvkit.abi.grant;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code struct gnttab_swap_grant_ref} (12 bytes) from Xen {@code xen/grant_table.h}, interface version 0x00040e00,
 * x86_64, little-endian.
 *
 * <p>Element of {@code GNTTABOP_swap_grant_ref} (11).
 *
 * <pre>
 *     0  ref_a                        u32        [IN]
 *     4  ref_b                        u32        [IN]
 *     8  status                       i16        [OUT] GNTST_*
 * </pre>
 */
public final class GnttabSwapGrantRefLayout {
    /** {@code struct gnttab_swap_grant_ref}; the single source of truth for the offsets below. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("ref_a"),
            JAVA_INT.withName("ref_b"),
            JAVA_SHORT.withName("status"),
            MemoryLayout.paddingLayout(2))
            .withName("gnttab_swap_grant_ref");

    /** Size of {@code struct gnttab_swap_grant_ref} in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code ref_a}. */
    public static final long REF_A_OFFSET = LAYOUT.byteOffset(groupElement("ref_a"));
    /** Offset of {@code ref_b}. */
    public static final long REF_B_OFFSET = LAYOUT.byteOffset(groupElement("ref_b"));
    /** Offset of {@code status}. */
    public static final long STATUS_OFFSET = LAYOUT.byteOffset(groupElement("status"));

    private GnttabSwapGrantRefLayout() {
    }
}
