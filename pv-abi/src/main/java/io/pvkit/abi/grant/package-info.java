/**
 * Grant table ABI ({@code xen/grant_table.h}): the {@code GNTTABOP_*} commands
 * ({@link io.pvkit.abi.grant.GrantTableOp}, each with the layout of one array element), status codes
 * with Xen's messages ({@link io.pvkit.abi.grant.GrantStatus}), {@code GTF_*}, {@code GNTMAP_*} and
 * {@code GNTCOPY_*} bits, reserved references, {@code grant_entry_v1}/{@code grant_entry_v2} and one
 * {@code Gnttab*Layout} per argument structure.
 */
package io.pvkit.abi.grant;
