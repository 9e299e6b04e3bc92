/**
 * Reserved for what a platform would supply to pv-grant. pv-grant currently needs no provider: the
 * hypervisor passes each domain's {@link io.pvkit.abi.memory.GuestMemory} to
 * {@link io.pvkit.grant.GrantTables#addDomain}. Not exported while empty.
 */
package io.pvkit.grant.spi;
