/**
 * A minimal reference hypervisor: domains, hypercall dispatch and domain 0 services (reference, not production).
 */
package io.pvkit.hypervisor;
