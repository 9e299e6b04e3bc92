package io.pvkit.conformance.internal;

import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.hypercall.MulticallEntryLayout;
import io.pvkit.abi.platform.ConsoleIoOp;
import io.pvkit.abi.platform.SchedOp;
import io.pvkit.abi.platform.XenVersionOp;

/**
 * Xen numbers the kit's verifications use, named exactly as in the Xen public headers (xen.h,
 * version.h, domctl.h, sysctl.h, sched.h) of interface version 0x00040e00. Values come from pv-abi
 * where it defines them; the domctl/sysctl numbers (outside pv-abi's scope) are literals checked
 * against Xen 4.17's {@code domctl.h} and {@code sysctl.h}.
 */
public final class XenNumbers {
    /** {@code __HYPERVISOR_memory_op}. */
    public static final long HYPERVISOR_memory_op = HypercallOp.MEMORY_OP.number();
    /** {@code __HYPERVISOR_multicall}. */
    public static final long HYPERVISOR_multicall = HypercallOp.MULTICALL.number();
    /** {@code __HYPERVISOR_xen_version}. */
    public static final long HYPERVISOR_xen_version = HypercallOp.XEN_VERSION.number();
    /** {@code __HYPERVISOR_console_io}. */
    public static final long HYPERVISOR_console_io = HypercallOp.CONSOLE_IO.number();
    /** {@code __HYPERVISOR_grant_table_op}. */
    public static final long HYPERVISOR_grant_table_op = HypercallOp.GRANT_TABLE_OP.number();
    /** {@code __HYPERVISOR_sched_op}. */
    public static final long HYPERVISOR_sched_op = HypercallOp.SCHED_OP.number();
    /** {@code __HYPERVISOR_event_channel_op}. */
    public static final long HYPERVISOR_event_channel_op = HypercallOp.EVENT_CHANNEL_OP.number();
    /** {@code __HYPERVISOR_sysctl}. */
    public static final long HYPERVISOR_sysctl = HypercallOp.SYSCTL.number();
    /** {@code __HYPERVISOR_domctl}. */
    public static final long HYPERVISOR_domctl = HypercallOp.DOMCTL.number();

    /** {@code XENVER_version}: returns major:minor (16:16). */
    public static final int XENVER_version = XenVersionOp.VERSION;
    /** {@code XENVER_extraversion}: char[16]. */
    public static final int XENVER_extraversion = XenVersionOp.EXTRAVERSION;
    /** {@code XENVER_compile_info}: compiler[64], compile_by[16], compile_domain[32], compile_date[32]. */
    public static final int XENVER_compile_info = XenVersionOp.COMPILE_INFO;
    /** {@code XENVER_capabilities}: char[1024]. */
    public static final int XENVER_capabilities = XenVersionOp.CAPABILITIES;
    /** {@code XENVER_changeset}: char[64]. */
    public static final int XENVER_changeset = XenVersionOp.CHANGESET;

    /** {@code CONSOLEIO_write}. */
    public static final int CONSOLEIO_write = ConsoleIoOp.WRITE;
    /** {@code CONSOLEIO_read}. */
    public static final int CONSOLEIO_read = ConsoleIoOp.READ;

    /** {@code SCHEDOP_yield}. */
    public static final int SCHEDOP_yield = SchedOp.YIELD.code();

    /** {@code XEN_DOMCTL_INTERFACE_VERSION} of Xen 4.17. */
    public static final int XEN_DOMCTL_INTERFACE_VERSION = 0x15;
    /** {@code XEN_SYSCTL_INTERFACE_VERSION} of Xen 4.17. */
    public static final int XEN_SYSCTL_INTERFACE_VERSION = 0x15;
    /** {@code XEN_DOMCTL_getdomaininfo}. */
    public static final int XEN_DOMCTL_getdomaininfo = 5;
    /** {@code XEN_SYSCTL_physinfo}. */
    public static final int XEN_SYSCTL_physinfo = 3;

    /** {@code sizeof(struct multicall_entry)} on x86_64: op, result, args[6]. */
    public static final int MULTICALL_ENTRY_SIZE = (int) MulticallEntryLayout.SIZE;

    private XenNumbers() {
    }
}
