package io.pvkit.abi.grant;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code struct gnttab_copy} (40 bytes) from Xen {@code xen/grant_table.h}, interface version 0x00040e00,
 * x86_64, little-endian.
 *
 * <p>Element of {@code GNTTABOP_copy} (5). {@code offset + len} of each side must stay inside its 4096-byte page.
 *
 * <pre>
 *     0  source                       gnttab_copy_ptr [IN]
 *     0  source.u                     union      [IN] ref if GNTCOPY_*_gref, else gmfn
 *     0  source.u.ref                 u32
 *     0  source.u.gmfn                u64
 *     8  source.domid                 u16        [IN]
 *    10  source.offset                u16        [IN]
 *    16  dest                         gnttab_copy_ptr [IN]
 *    16  dest.u                       union      [IN] ref if GNTCOPY_*_gref, else gmfn
 *    16  dest.u.ref                   u32
 *    16  dest.u.gmfn                  u64
 *    24  dest.domid                   u16        [IN]
 *    26  dest.offset                  u16        [IN]
 *    32  len                          u16        [IN]
 *    34  flags                        u16        [IN] GNTCOPY_*
 *    36  status                       i16        [OUT] GNTST_*
 * </pre>
 */
public final class GnttabCopyLayout {
    /** {@code struct gnttab_copy_ptr} (16 bytes): one side of a copy. */
    public static final StructLayout PTR = MemoryLayout.structLayout(
            MemoryLayout.unionLayout(
                    JAVA_INT.withName("ref"),
                    JAVA_LONG.withName("gmfn")).withName("u"),
            JAVA_SHORT.withName("domid"),
            JAVA_SHORT.withName("offset"),
            MemoryLayout.paddingLayout(4))
            .withName("gnttab_copy_ptr");
    /** {@code struct gnttab_copy}; the single source of truth for the offsets below. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            PTR.withName("source"),
            PTR.withName("dest"),
            JAVA_SHORT.withName("len"),
            JAVA_SHORT.withName("flags"),
            JAVA_SHORT.withName("status"),
            MemoryLayout.paddingLayout(2))
            .withName("gnttab_copy");

    /** Size of {@code struct gnttab_copy} in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code source}. */
    public static final long SOURCE_OFFSET = LAYOUT.byteOffset(groupElement("source"));
    /** Offset of {@code source.u}. */
    public static final long SOURCE_U_OFFSET = LAYOUT.byteOffset(groupElement("source"), groupElement("u"));
    /** Offset of {@code source.u.ref}. */
    public static final long SOURCE_U_REF_OFFSET = LAYOUT.byteOffset(groupElement("source"), groupElement("u"), groupElement("ref"));
    /** Offset of {@code source.u.gmfn}. */
    public static final long SOURCE_U_GMFN_OFFSET = LAYOUT.byteOffset(groupElement("source"), groupElement("u"), groupElement("gmfn"));
    /** Offset of {@code source.domid}. */
    public static final long SOURCE_DOMID_OFFSET = LAYOUT.byteOffset(groupElement("source"), groupElement("domid"));
    /** Offset of {@code source.offset}. */
    public static final long SOURCE_OFFSET_OFFSET = LAYOUT.byteOffset(groupElement("source"), groupElement("offset"));
    /** Offset of {@code dest}. */
    public static final long DEST_OFFSET = LAYOUT.byteOffset(groupElement("dest"));
    /** Offset of {@code dest.u}. */
    public static final long DEST_U_OFFSET = LAYOUT.byteOffset(groupElement("dest"), groupElement("u"));
    /** Offset of {@code dest.u.ref}. */
    public static final long DEST_U_REF_OFFSET = LAYOUT.byteOffset(groupElement("dest"), groupElement("u"), groupElement("ref"));
    /** Offset of {@code dest.u.gmfn}. */
    public static final long DEST_U_GMFN_OFFSET = LAYOUT.byteOffset(groupElement("dest"), groupElement("u"), groupElement("gmfn"));
    /** Offset of {@code dest.domid}. */
    public static final long DEST_DOMID_OFFSET = LAYOUT.byteOffset(groupElement("dest"), groupElement("domid"));
    /** Offset of {@code dest.offset}. */
    public static final long DEST_OFFSET_OFFSET = LAYOUT.byteOffset(groupElement("dest"), groupElement("offset"));
    /** Offset of {@code len}. */
    public static final long LEN_OFFSET = LAYOUT.byteOffset(groupElement("len"));
    /** Offset of {@code flags}. */
    public static final long FLAGS_OFFSET = LAYOUT.byteOffset(groupElement("flags"));
    /** Offset of {@code status}. */
    public static final long STATUS_OFFSET = LAYOUT.byteOffset(groupElement("status"));
    /**
     * Offset of {@code gnttab_copy_ptr.u} (a {@code grant_ref_t ref} or a {@code xen_pfn_t gmfn}) within one side.
     */
    public static final long PTR_U_OFFSET = PTR.byteOffset(groupElement("u"));
    /** Offset of {@code gnttab_copy_ptr.domid} within one side. */
    public static final long PTR_DOMID_OFFSET = PTR.byteOffset(groupElement("domid"));
    /** Offset of {@code gnttab_copy_ptr.offset} within one side. */
    public static final long PTR_OFFSET_OFFSET = PTR.byteOffset(groupElement("offset"));

    private GnttabCopyLayout() {
    }
}
