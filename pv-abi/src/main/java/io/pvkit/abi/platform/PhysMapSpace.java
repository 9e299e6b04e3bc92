package io.pvkit.abi.platform;

import java.util.Optional;

/**
 * Address spaces of {@code xen_add_to_physmap.space} ({@code XENMAPSPACE_*} in {@code xen/memory.h}):
 * what {@code idx} names.
 */
public enum PhysMapSpace {
    /** {@code XENMAPSPACE_shared_info} (0): the domain's shared_info page (idx 0). */
    SHARED_INFO(0),
    /** {@code XENMAPSPACE_grant_table} (1): grant table frame idx (OR {@code XENMAPIDX_grant_table_status} for v2 status frames). */
    GRANT_TABLE(1),
    /** {@code XENMAPSPACE_gmfn} (2): the guest frame idx (moves it). */
    GMFN(2),
    /** {@code XENMAPSPACE_gmfn_range} (3): {@code size} guest frames from idx. */
    GMFN_RANGE(3),
    /** {@code XENMAPSPACE_gmfn_foreign} (4): a frame of another domain (batch only). */
    GMFN_FOREIGN(4),
    /** {@code XENMAPSPACE_dev_mmio} (5): device MMIO (Arm). */
    DEV_MMIO(5);

    private final int code;

    PhysMapSpace(int code) {
        this.code = code;
    }

    /**
     * The numeric value on the wire.
     *
     * @return the value of {@code XENMAPSPACE_<name>}
     */
    public int code() {
        return code;
    }

    /**
     * Looks up a value by number.
     *
     * @param code the value read from a peer (untrusted; any {@code long})
     * @return the constant, or empty when no constant has this value
     */
    public static Optional<PhysMapSpace> of(long code) {
        for (PhysMapSpace v : values()) {
            if (v.code == code) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }

    /** {@code XENMAPIDX_grant_table_status}: OR into {@code idx} to map a v2 grant status frame. */
    public static final long IDX_GRANT_TABLE_STATUS = 0x80000000L;
}
