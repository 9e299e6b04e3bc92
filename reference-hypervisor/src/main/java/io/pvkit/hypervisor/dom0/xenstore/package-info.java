/**
 * xenstored as a domain 0 service: the tree ({@code NodeStore}, {@code Node}), permissions ({@code Perms}),
 * optimistic transactions ({@code Transaction}), watches, quotas ({@link io.pvkit.hypervisor.dom0.xenstore.XenstoreLimits}),
 * the {@code xs_wire} protocol ({@code RequestHandler}) and its transports: guests' rings
 * ({@link io.pvkit.hypervisor.dom0.xenstore.RingConnection}), the tools socket
 * ({@link io.pvkit.hypervisor.dom0.xenstore.XenstoreSocketServer}) and in-process dom0 services
 * ({@link io.pvkit.hypervisor.dom0.xenstore.LocalConnection}). Behaviour follows Xen's
 * {@code docs/misc/xenstore.txt} and C xenstored (Xen 4.17); the module README lists the differences.
 *
 * <p>This package is domain code like the rest of domain 0: it uses no hypercalls at all. Domain 0 maps
 * the rings and binds the ports ({@link io.pvkit.hypervisor.dom0.xenstore.DomainLinks}) and hands the mapped
 * page in.
 */
package io.pvkit.hypervisor.dom0.xenstore;
