/**
 * jcstress tests of pv-grant: the granter's revoke compare-and-swap racing the hypervisor's map and unmap
 * on the same grant entry.
 */
package io.pvkit.stress.grant;
