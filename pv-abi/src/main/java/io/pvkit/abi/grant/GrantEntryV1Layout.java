package io.pvkit.abi.grant;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code struct grant_entry_v1} (8 bytes) from Xen {@code grant_table.h}, interface version
 * 0x00040e00, little-endian; 512 entries per 4096-byte frame.
 *
 * <pre>
 * 0  flags  u16  [guest writes type/readonly; hypervisor sets GTF_reading/GTF_writing]
 * 2  domid  u16  [guest]  the domain allowed to use the grant
 * 4  frame  u32  [guest]  the granted frame (gfn)
 * </pre>
 *
 * <p>{@code flags} and {@code domid} together form the aligned 32-bit word at offset 0 that both the
 * granter's revoke and the hypervisor's map compare-and-swap: flags in the low 16 bits, domid in the
 * high 16 bits.
 */
public final class GrantEntryV1Layout {
    /** {@code struct grant_entry_v1}. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_SHORT.withName("flags"),
            JAVA_SHORT.withName("domid"),
            JAVA_INT.withName("frame"))
            .withName("grant_entry_v1");

    /** Size of one entry. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Entries per 4096-byte frame. */
    public static final int ENTRIES_PER_FRAME = (int) (4096 / SIZE);
    /** Offset of {@code flags} (and of the flags+domid word). */
    public static final long FLAGS_OFFSET = LAYOUT.byteOffset(groupElement("flags"));
    /** Offset of {@code domid}. */
    public static final long DOMID_OFFSET = LAYOUT.byteOffset(groupElement("domid"));
    /** Offset of {@code frame}. */
    public static final long FRAME_OFFSET = LAYOUT.byteOffset(groupElement("frame"));

    private GrantEntryV1Layout() {
    }
}
