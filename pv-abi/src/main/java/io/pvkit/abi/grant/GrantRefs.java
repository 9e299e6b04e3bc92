package io.pvkit.abi.grant;

/**
 * Reserved grant references ({@code xen/grant_table.h}); the toolstack pre-fills them, so guests
 * allocate new references from {@link #NR_RESERVED_ENTRIES} upward.
 */
public final class GrantRefs {
    /** {@code GNTTAB_NR_RESERVED_ENTRIES}: references below this are reserved. */
    public static final int NR_RESERVED_ENTRIES = 8;
    /** {@code GNTTAB_RESERVED_CONSOLE}: grants the console page to the backend domain. */
    public static final int RESERVED_CONSOLE = 0;
    /** {@code GNTTAB_RESERVED_XENSTORE}: grants the xenstore page to xenstored's domain. */
    public static final int RESERVED_XENSTORE = 1;
    /** {@code grant_status_t} (u16) entries per v2 status frame. */
    public static final int STATUS_ENTRIES_PER_FRAME = 2048;

    private GrantRefs() {
    }
}
