package io.pvkit.abi.grant;

/**
 * {@code GNTMAP_*} bits of {@code gnttab_map_grant_ref.flags} ({@code xen/grant_table.h}). A map with
 * neither {@link #DEVICE_MAP} nor {@link #HOST_MAP} fails with {@code GNTST_bad_gntref}.
 */
public final class GntMap {
    /** {@code GNTMAP_device_map}: map for device access (returns dev_bus_addr). */
    public static final int DEVICE_MAP = 1;
    /** {@code GNTMAP_host_map}: map into the caller at host_addr. */
    public static final int HOST_MAP = 1 << 1;
    /** {@code GNTMAP_readonly}: map read-only. */
    public static final int READONLY = 1 << 2;
    /** {@code GNTMAP_application_map}: user-accessible mapping (PV). */
    public static final int APPLICATION_MAP = 1 << 3;
    /** {@code GNTMAP_contains_pte}: host_addr is the address of a PTE (PV). */
    public static final int CONTAINS_PTE = 1 << 4;
    /** {@code GNTMAP_guest_avail_mask}: bits 16-31 left to the guest. */
    public static final int GUEST_AVAIL_MASK = 0xFFFF0000;

    private GntMap() {
    }
}
