package io.pvkit.conformance.internal;

/**
 * Xen numbers the kit's verifications use, named exactly as in the Xen public headers
 * (xen.h, version.h, domctl.h, sysctl.h, event_channel.h, grant_table.h, memory.h, sched.h) of
 * interface version 0x00040e00; pv-abi's enums will replace these.
 */
public final class XenNumbers {
    /** {@code __HYPERVISOR_memory_op}. */
    public static final long HYPERVISOR_memory_op = 12;
    /** {@code __HYPERVISOR_multicall}. */
    public static final long HYPERVISOR_multicall = 13;
    /** {@code __HYPERVISOR_xen_version}. */
    public static final long HYPERVISOR_xen_version = 17;
    /** {@code __HYPERVISOR_console_io}. */
    public static final long HYPERVISOR_console_io = 18;
    /** {@code __HYPERVISOR_grant_table_op}. */
    public static final long HYPERVISOR_grant_table_op = 20;
    /** {@code __HYPERVISOR_sched_op}. */
    public static final long HYPERVISOR_sched_op = 29;
    /** {@code __HYPERVISOR_event_channel_op}. */
    public static final long HYPERVISOR_event_channel_op = 32;
    /** {@code __HYPERVISOR_sysctl}. */
    public static final long HYPERVISOR_sysctl = 35;
    /** {@code __HYPERVISOR_domctl}. */
    public static final long HYPERVISOR_domctl = 36;

    /** {@code XENVER_version}: returns major:minor (16:16). */
    public static final int XENVER_version = 0;
    /** {@code XENVER_extraversion}: char[16]. */
    public static final int XENVER_extraversion = 1;
    /** {@code XENVER_compile_info}: compiler[64], compile_by[16], compile_domain[32], compile_date[32]. */
    public static final int XENVER_compile_info = 2;
    /** {@code XENVER_capabilities}: char[1024]. */
    public static final int XENVER_capabilities = 3;
    /** {@code XENVER_changeset}: char[64]. */
    public static final int XENVER_changeset = 4;

    /** {@code CONSOLEIO_write}. */
    public static final int CONSOLEIO_write = 0;
    /** {@code CONSOLEIO_read}. */
    public static final int CONSOLEIO_read = 1;

    /** {@code SCHEDOP_yield}. */
    public static final int SCHEDOP_yield = 0;

    /** {@code XEN_DOMCTL_INTERFACE_VERSION} of Xen 4.17. */
    public static final int XEN_DOMCTL_INTERFACE_VERSION = 0x15;
    /** {@code XEN_SYSCTL_INTERFACE_VERSION} of Xen 4.17. */
    public static final int XEN_SYSCTL_INTERFACE_VERSION = 0x15;
    /** {@code XEN_DOMCTL_getdomaininfo}. */
    public static final int XEN_DOMCTL_getdomaininfo = 5;
    /** {@code XEN_SYSCTL_physinfo}. */
    public static final int XEN_SYSCTL_physinfo = 3;

    /** {@code sizeof(struct multicall_entry)} on x86_64: op, result, args[6]. */
    public static final int MULTICALL_ENTRY_SIZE = 64;

    private XenNumbers() {
    }
}
