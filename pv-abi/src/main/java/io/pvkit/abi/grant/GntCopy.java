package io.pvkit.abi.grant;

/**
 * {@code GNTCOPY_*} bits of {@code gnttab_copy.flags} ({@code xen/grant_table.h}): whether each side's
 * {@code u} is a grant reference in {@code domid}'s table or a local frame.
 */
public final class GntCopy {
    /** {@code GNTCOPY_source_gref}: {@code source.u} is a grant reference. */
    public static final int SOURCE_GREF = 1;
    /** {@code GNTCOPY_dest_gref}: {@code dest.u} is a grant reference. */
    public static final int DEST_GREF = 1 << 1;

    private GntCopy() {
    }
}
