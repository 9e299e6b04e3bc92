package io.pvkit.abi.platform;

/**
 * Memory sub-ops ({@code XENMEM_*} in {@code xen/memory.h}): the {@code cmd} of
 * {@code __HYPERVISOR_memory_op(cmd, arg)}. pvkit models {@link XenAddToPhysmapLayout} for {@link #ADD_TO_PHYSMAP}.
 */
public final class XenMemOp {
    /** {@code XENMEM_increase_reservation}. */
    public static final int INCREASE_RESERVATION = 0;
    /** {@code XENMEM_decrease_reservation}. */
    public static final int DECREASE_RESERVATION = 1;
    /** {@code XENMEM_maximum_ram_page}. */
    public static final int MAXIMUM_RAM_PAGE = 2;
    /** {@code XENMEM_current_reservation}. */
    public static final int CURRENT_RESERVATION = 3;
    /** {@code XENMEM_maximum_reservation}. */
    public static final int MAXIMUM_RESERVATION = 4;
    /** {@code XENMEM_machphys_mfn_list}. */
    public static final int MACHPHYS_MFN_LIST = 5;
    /** {@code XENMEM_populate_physmap}. */
    public static final int POPULATE_PHYSMAP = 6;
    /** {@code XENMEM_add_to_physmap}: argument {@link XenAddToPhysmapLayout}. */
    public static final int ADD_TO_PHYSMAP = 7;
    /** {@code XENMEM_memory_map}. */
    public static final int MEMORY_MAP = 9;
    /** {@code XENMEM_machine_memory_map}. */
    public static final int MACHINE_MEMORY_MAP = 10;
    /** {@code XENMEM_exchange}. */
    public static final int EXCHANGE = 11;
    /** {@code XENMEM_machphys_mapping}. */
    public static final int MACHPHYS_MAPPING = 12;
    /** {@code XENMEM_set_memory_map}. */
    public static final int SET_MEMORY_MAP = 13;
    /** {@code XENMEM_maximum_gpfn}. */
    public static final int MAXIMUM_GPFN = 14;
    /** {@code XENMEM_remove_from_physmap}. */
    public static final int REMOVE_FROM_PHYSMAP = 15;
    /** {@code XENMEM_add_to_physmap_batch}. */
    public static final int ADD_TO_PHYSMAP_BATCH = 23;
    /** {@code XENMEM_acquire_resource}. */
    public static final int ACQUIRE_RESOURCE = 28;

    private XenMemOp() {
    }
}
