package io.pvkit.grant.internal;

/**
 * Grant-table numbers of Xen {@code grant_table.h} (interface 0x00040e00) used by pv-grant.
 *
 * <p>Private stand-ins until pv-abi's {@code io.pvkit.abi.grant} constants land; the values are
 * checked against {@code /usr/include/xen/grant_table.h} by {@code GntTest}.
 */
public final class Gnt {
    // GTF_* (grant_entry_v1.flags)
    public static final int GTF_INVALID = 0;
    public static final int GTF_PERMIT_ACCESS = 1;
    public static final int GTF_ACCEPT_TRANSFER = 2;
    public static final int GTF_TRANSITIVE = 3;
    public static final int GTF_TYPE_MASK = 3;
    public static final int GTF_READONLY = 1 << 2;
    public static final int GTF_READING = 1 << 3;
    public static final int GTF_WRITING = 1 << 4;
    public static final int GTF_SUB_PAGE = 1 << 8;

    // GNTMAP_*
    public static final int GNTMAP_DEVICE_MAP = 1;
    public static final int GNTMAP_HOST_MAP = 1 << 1;
    public static final int GNTMAP_READONLY = 1 << 2;
    public static final int GNTMAP_APPLICATION_MAP = 1 << 3;
    public static final int GNTMAP_CONTAINS_PTE = 1 << 4;

    // GNTCOPY_*
    public static final int GNTCOPY_SOURCE_GREF = 1;
    public static final int GNTCOPY_DEST_GREF = 1 << 1;

    // GNTST_*
    public static final int GNTST_OKAY = 0;
    public static final int GNTST_GENERAL_ERROR = -1;
    public static final int GNTST_BAD_DOMAIN = -2;
    public static final int GNTST_BAD_GNTREF = -3;
    public static final int GNTST_BAD_HANDLE = -4;
    public static final int GNTST_BAD_VIRT_ADDR = -5;
    public static final int GNTST_BAD_DEV_ADDR = -6;
    public static final int GNTST_NO_DEVICE_SPACE = -7;
    public static final int GNTST_PERMISSION_DENIED = -8;
    public static final int GNTST_BAD_PAGE = -9;
    public static final int GNTST_BAD_COPY_ARG = -10;
    public static final int GNTST_ADDRESS_TOO_BIG = -11;
    public static final int GNTST_EAGAIN = -12;
    public static final int GNTST_NO_SPACE = -13;

    /** {@code GNTTAB_NR_RESERVED_ENTRIES}. */
    public static final int NR_RESERVED_ENTRIES = 8;

    private Gnt() {
    }
}
