package io.pvkit.abi.grant;

import java.lang.foreign.StructLayout;
import java.util.Optional;

/**
 * Grant table sub-ops ({@code GNTTABOP_*} in {@code xen/grant_table.h}): the {@code cmd} of
 * {@code __HYPERVISOR_grant_table_op(cmd, uops, count)}, each with the layout of one element of the
 * {@code uops} array. The call returns 0 once the batch is processed and each element carries its own
 * {@link GrantStatus}; a negative return is a call-level failure.
 */
public enum GrantTableOp {
    /** {@code GNTTABOP_map_grant_ref} (0): map a grant of another domain. */
    MAP_GRANT_REF(0, GnttabMapGrantRefLayout.LAYOUT),
    /** {@code GNTTABOP_unmap_grant_ref} (1): unmap by handle. */
    UNMAP_GRANT_REF(1, GnttabUnmapGrantRefLayout.LAYOUT),
    /** {@code GNTTABOP_setup_table} (2): size the caller's grant table and list its frames. */
    SETUP_TABLE(2, GnttabSetupTableLayout.LAYOUT),
    /** {@code GNTTABOP_dump_table} (3): debug dump of a table. */
    DUMP_TABLE(3, GnttabDumpTableLayout.LAYOUT),
    /** {@code GNTTABOP_transfer} (4): transfer a page (PV only). */
    TRANSFER(4, GnttabTransferLayout.LAYOUT),
    /** {@code GNTTABOP_copy} (5): copy bytes between grants or local frames. */
    COPY(5, GnttabCopyLayout.LAYOUT),
    /** {@code GNTTABOP_query_size} (6): current and maximum table size. */
    QUERY_SIZE(6, GnttabQuerySizeLayout.LAYOUT),
    /** {@code GNTTABOP_unmap_and_replace} (7): unmap, putting another mapping in place. */
    UNMAP_AND_REPLACE(7, GnttabUnmapAndReplaceLayout.LAYOUT),
    /** {@code GNTTABOP_set_version} (8): select grant table version 1 or 2. */
    SET_VERSION(8, GnttabSetVersionLayout.LAYOUT),
    /** {@code GNTTABOP_get_status_frames} (9): list the v2 status frames. */
    GET_STATUS_FRAMES(9, GnttabGetStatusFramesLayout.LAYOUT),
    /** {@code GNTTABOP_get_version} (10): query a table's version. */
    GET_VERSION(10, GnttabGetVersionLayout.LAYOUT),
    /** {@code GNTTABOP_swap_grant_ref} (11): swap two v2 entries. */
    SWAP_GRANT_REF(11, GnttabSwapGrantRefLayout.LAYOUT),
    /** {@code GNTTABOP_cache_flush} (12): clean/invalidate caches of a granted range (Arm). */
    CACHE_FLUSH(12, GnttabCacheFlushLayout.LAYOUT);

    private static final GrantTableOp[] BY_CODE = new GrantTableOp[13];

    static {
        for (GrantTableOp op : values()) {
            BY_CODE[op.code] = op;
        }
    }

    private final int code;
    private final StructLayout argLayout;

    GrantTableOp(int code, StructLayout argLayout) {
        this.code = code;
        this.argLayout = argLayout;
    }

    /**
     * The sub-op number.
     *
     * @return the value of {@code GNTTABOP_<name>}
     */
    public int code() {
        return code;
    }

    /**
     * The argument structure the guest points at (for array ops: one element).
     *
     * @return the layout of the argument structure
     */
    public StructLayout argLayout() {
        return argLayout;
    }

    /**
     * Looks up a sub-op by number.
     *
     * @param code the value a guest passed (untrusted; any {@code long})
     * @return the sub-op, or empty when the command is unknown
     */
    public static Optional<GrantTableOp> of(long code) {
        if (code < 0 || code >= BY_CODE.length) {
            return Optional.empty();
        }
        return Optional.ofNullable(BY_CODE[(int) code]);
    }

    /**
     * The op with this number, without allocating: for hot paths (the hypercall dispatcher), where
     * {@link #of(long)}'s {@code Optional} would be allocated per call.
     *
     * @param code the GNTTABOP number (untrusted)
     * @return the op, or {@code null} when the number is not a known op
     */
    public static GrantTableOp ofOrNull(long code) {
        return code < 0 || code >= BY_CODE.length ? null : BY_CODE[(int) code];
    }
}
