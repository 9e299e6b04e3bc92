/**
 * Domain 0: the privileged domain whose services (the console backend, the echo service, xenstored and the
 * block backend of subpackage {@code block}) are ordinary domain code. They reach the hypervisor only through hypercalls ({@link io.pvkit.abi.spi.HypercallHandler})
 * and shared memory, exactly like a guest; this package never uses the core's classes (a test checks its
 * class files).
 *
 * <p>Two inputs are not hypercalls, and each is a narrow interface here, implemented by the core:
 * <ul>
 *   <li>{@link io.pvkit.hypervisor.dom0.ToolstackChannel}: the toolstack introduces a new guest (its id,
 *       name, and the ports and grant references domain 0 must find; xenconsoled learns these from
 *       xenstore's {@code @introduceDomain}) and announces its release ({@code @releaseDomain}). Each
 *       message rings {@code VIRQ_DOM_EXC}, which domain 0 binds like any VIRQ.</li>
 *   <li>{@link io.pvkit.hypervisor.dom0.Dom0Kernel}: after {@code GNTTABOP_map_grant_ref} a real kernel
 *       reads the granted frame through the page-table entry Xen wrote at {@code host_addr}. pvkit cannot
 *       alias frames into domain 0's {@code GuestMemory}, so this is the one "MMU" call: the mapping's
 *       memory by handle.</li>
 * </ul>
 */
package io.pvkit.hypervisor.dom0;
