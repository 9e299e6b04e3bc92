/**
 * The reference hypervisor (reference, not production): {@link io.pvkit.hypervisor.Hypervisor} creates
 * domain 0 and guests ({@link io.pvkit.hypervisor.DomainConfig}), runs their vCPUs as platform threads,
 * dispatches their hypercalls ({@link io.pvkit.hypervisor.Hypervisor#dispatcher()}) to pv-events, pv-grant
 * and its own few ops, and destroys them releasing everything they held
 * ({@link io.pvkit.hypervisor.ResourceCounts}). Domain 0's services live in
 * {@code io.pvkit.hypervisor.dom0} and use only hypercalls and shared memory.
 */
package io.pvkit.hypervisor;
