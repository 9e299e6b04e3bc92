package io.pvkit.abi.grant;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.UnionLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code union grant_entry_v2} (16 bytes) from Xen {@code xen/grant_table.h}, interface version 0x00040e00,
 * x86_64, little-endian.
 *
 * <p>A v2 grant entry (a union; 256 per frame). In v2 {@code GTF_reading}/{@code GTF_writing} live in the separate {@code grant_status_t} status frames.
 *
 * <pre>
 *     0  hdr                          header     [guest] flags + domid, as in v1
 *     0  hdr.flags                    u16
 *     2  hdr.domid                    u16
 *     0  full_page                    struct     [guest]
 *     0  full_page.hdr                header
 *     0  full_page.hdr.flags          u16
 *     2  full_page.hdr.domid          u16
 *     4  full_page.pad0               u32
 *     8  full_page.frame              u64
 *     0  sub_page                     struct     [guest]
 *     0  sub_page.hdr                 header
 *     0  sub_page.hdr.flags           u16
 *     2  sub_page.hdr.domid           u16
 *     4  sub_page.page_off            u16
 *     6  sub_page.length              u16
 *     8  sub_page.frame               u64
 *     0  transitive                   struct     [guest]
 *     0  transitive.hdr               header
 *     0  transitive.hdr.flags         u16
 *     2  transitive.hdr.domid         u16
 *     4  transitive.trans_domid       u16
 *     6  transitive.pad0              u16
 *     8  transitive.gref              u32
 *     0  __spacer                     u32[4]
 * </pre>
 */
public final class GrantEntryV2Layout {
    /** {@code struct grant_entry_header} (4 bytes): flags and domid, common to every v2 entry kind. */
    public static final StructLayout HEADER = MemoryLayout.structLayout(
            JAVA_SHORT.withName("flags"),
            JAVA_SHORT.withName("domid"))
            .withName("grant_entry_header");
    /** {@code union grant_entry_v2}; the single source of truth for the offsets below. */
    public static final UnionLayout LAYOUT = MemoryLayout.unionLayout(
            HEADER.withName("hdr"),
            MemoryLayout.structLayout(
                    HEADER.withName("hdr"),
                    JAVA_INT.withName("pad0"),
                    JAVA_LONG.withName("frame")).withName("full_page"),
            MemoryLayout.structLayout(
                    HEADER.withName("hdr"),
                    JAVA_SHORT.withName("page_off"),
                    JAVA_SHORT.withName("length"),
                    JAVA_LONG.withName("frame")).withName("sub_page"),
            MemoryLayout.structLayout(
                    HEADER.withName("hdr"),
                    JAVA_SHORT.withName("trans_domid"),
                    JAVA_SHORT.withName("pad0"),
                    JAVA_INT.withName("gref")).withName("transitive"),
            MemoryLayout.sequenceLayout(4, JAVA_INT).withName("__spacer"))
            .withName("grant_entry_v2");

    /** Size of {@code union grant_entry_v2} in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code hdr}. */
    public static final long HDR_OFFSET = LAYOUT.byteOffset(groupElement("hdr"));
    /** Offset of {@code hdr.flags}. */
    public static final long HDR_FLAGS_OFFSET = LAYOUT.byteOffset(groupElement("hdr"), groupElement("flags"));
    /** Offset of {@code hdr.domid}. */
    public static final long HDR_DOMID_OFFSET = LAYOUT.byteOffset(groupElement("hdr"), groupElement("domid"));
    /** Offset of {@code full_page}. */
    public static final long FULL_PAGE_OFFSET = LAYOUT.byteOffset(groupElement("full_page"));
    /** Offset of {@code full_page.hdr}. */
    public static final long FULL_PAGE_HDR_OFFSET = LAYOUT.byteOffset(groupElement("full_page"), groupElement("hdr"));
    /** Offset of {@code full_page.hdr.flags}. */
    public static final long FULL_PAGE_HDR_FLAGS_OFFSET = LAYOUT.byteOffset(groupElement("full_page"), groupElement("hdr"), groupElement("flags"));
    /** Offset of {@code full_page.hdr.domid}. */
    public static final long FULL_PAGE_HDR_DOMID_OFFSET = LAYOUT.byteOffset(groupElement("full_page"), groupElement("hdr"), groupElement("domid"));
    /** Offset of {@code full_page.pad0}. */
    public static final long FULL_PAGE_PAD0_OFFSET = LAYOUT.byteOffset(groupElement("full_page"), groupElement("pad0"));
    /** Offset of {@code full_page.frame}. */
    public static final long FULL_PAGE_FRAME_OFFSET = LAYOUT.byteOffset(groupElement("full_page"), groupElement("frame"));
    /** Offset of {@code sub_page}. */
    public static final long SUB_PAGE_OFFSET = LAYOUT.byteOffset(groupElement("sub_page"));
    /** Offset of {@code sub_page.hdr}. */
    public static final long SUB_PAGE_HDR_OFFSET = LAYOUT.byteOffset(groupElement("sub_page"), groupElement("hdr"));
    /** Offset of {@code sub_page.hdr.flags}. */
    public static final long SUB_PAGE_HDR_FLAGS_OFFSET = LAYOUT.byteOffset(groupElement("sub_page"), groupElement("hdr"), groupElement("flags"));
    /** Offset of {@code sub_page.hdr.domid}. */
    public static final long SUB_PAGE_HDR_DOMID_OFFSET = LAYOUT.byteOffset(groupElement("sub_page"), groupElement("hdr"), groupElement("domid"));
    /** Offset of {@code sub_page.page_off}. */
    public static final long SUB_PAGE_PAGE_OFF_OFFSET = LAYOUT.byteOffset(groupElement("sub_page"), groupElement("page_off"));
    /** Offset of {@code sub_page.length}. */
    public static final long SUB_PAGE_LENGTH_OFFSET = LAYOUT.byteOffset(groupElement("sub_page"), groupElement("length"));
    /** Offset of {@code sub_page.frame}. */
    public static final long SUB_PAGE_FRAME_OFFSET = LAYOUT.byteOffset(groupElement("sub_page"), groupElement("frame"));
    /** Offset of {@code transitive}. */
    public static final long TRANSITIVE_OFFSET = LAYOUT.byteOffset(groupElement("transitive"));
    /** Offset of {@code transitive.hdr}. */
    public static final long TRANSITIVE_HDR_OFFSET = LAYOUT.byteOffset(groupElement("transitive"), groupElement("hdr"));
    /** Offset of {@code transitive.hdr.flags}. */
    public static final long TRANSITIVE_HDR_FLAGS_OFFSET = LAYOUT.byteOffset(groupElement("transitive"), groupElement("hdr"), groupElement("flags"));
    /** Offset of {@code transitive.hdr.domid}. */
    public static final long TRANSITIVE_HDR_DOMID_OFFSET = LAYOUT.byteOffset(groupElement("transitive"), groupElement("hdr"), groupElement("domid"));
    /** Offset of {@code transitive.trans_domid}. */
    public static final long TRANSITIVE_TRANS_DOMID_OFFSET = LAYOUT.byteOffset(groupElement("transitive"), groupElement("trans_domid"));
    /** Offset of {@code transitive.pad0}. */
    public static final long TRANSITIVE_PAD0_OFFSET = LAYOUT.byteOffset(groupElement("transitive"), groupElement("pad0"));
    /** Offset of {@code transitive.gref}. */
    public static final long TRANSITIVE_GREF_OFFSET = LAYOUT.byteOffset(groupElement("transitive"), groupElement("gref"));
    /** Offset of {@code __spacer}. */
    public static final long SPACER_OFFSET = LAYOUT.byteOffset(groupElement("__spacer"));
    /** Entries per 4096-byte frame. */
    public static final int ENTRIES_PER_FRAME = (int) (4096 / SIZE);

    private GrantEntryV2Layout() {
    }
}
