/**
 * Grant table ABI: GNTTABOP numbers and argument layouts, {@code grant_entry_v1}, GTF and GNTMAP flags, GNTST status codes.
 */
package io.pvkit.abi.grant;
