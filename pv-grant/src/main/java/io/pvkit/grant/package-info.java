/**
 * Xen grant tables v1: the guest side grants and revokes, the hypervisor side maps, unmaps and copies.
 */
package io.pvkit.grant;
