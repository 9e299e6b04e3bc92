package io.pvkit.abi.grant;

/**
 * {@code GTF_*} bits of a grant entry's {@code flags} ({@code xen/grant_table.h}). The type is in bits
 * 0-1; [GST] bits are written by the granting guest, [XEN] bits by the hypervisor.
 */
public final class GrantFlags {
    /** {@code GTF_invalid}: type: the entry grants nothing. */
    public static final int INVALID = 0;
    /** {@code GTF_permit_access}: type: the domain may map/copy the frame. */
    public static final int PERMIT_ACCESS = 1;
    /** {@code GTF_accept_transfer}: type: the domain may transfer a frame here. */
    public static final int ACCEPT_TRANSFER = 2;
    /** {@code GTF_transitive}: type (v2 only; never mappable). */
    public static final int TRANSITIVE = 3;
    /** {@code GTF_type_mask}: the type bits. */
    public static final int TYPE_MASK = 3;
    /** {@code GTF_readonly} [GST]: read-only access only. */
    public static final int READONLY = 1 << 2;
    /** {@code GTF_reading} [XEN]: currently mapped or accessed for reading. */
    public static final int READING = 1 << 3;
    /** {@code GTF_writing} [XEN]: currently mapped or accessed for writing. */
    public static final int WRITING = 1 << 4;
    /** {@code GTF_PWT} [GST]: x86 cache attribute of the mapping. */
    public static final int PWT = 1 << 5;
    /** {@code GTF_PCD} [GST]: x86 cache attribute of the mapping. */
    public static final int PCD = 1 << 6;
    /** {@code GTF_PAT} [GST]: x86 cache attribute of the mapping. */
    public static final int PAT = 1 << 7;
    /** {@code GTF_sub_page} [GST]: copy-only access to a byte range (v2 only). */
    public static final int SUB_PAGE = 1 << 8;
    /** {@code GTF_transfer_committed} [XEN]: accept_transfer only (same bit as readonly). */
    public static final int TRANSFER_COMMITTED = 1 << 2;
    /** {@code GTF_transfer_completed} [XEN]: accept_transfer only; the frame has been written. */
    public static final int TRANSFER_COMPLETED = 1 << 3;

    private GrantFlags() {
    }
}
