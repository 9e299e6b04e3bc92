/**
 * Xen grant tables v1: the guest side grants and revokes ({@link io.pvkit.grant.GuestGrantTable}), the
 * hypervisor side maps, unmaps and copies ({@link io.pvkit.grant.GrantTables},
 * {@link io.pvkit.grant.GrantTableHypercall}).
 *
 * <h2>Threading</h2>
 * Every class here may be used from any number of threads. The guest table's allocator is a monitor;
 * its entries are updated with atomics on the shared word. The hypervisor's book-keeping is guarded by
 * one lock per {@code GrantTables}; copies, shared-arena closes and every access through a
 * {@link io.pvkit.grant.GrantView} run outside it. A {@link io.pvkit.grant.GrantCursor} is the exception: it is
 * confined to the thread that made it (its binding is several fields rewritten at each bind).
 *
 * <h2>Memory order</h2>
 * The only word both sides write is the aligned 32-bit {@code flags | domid << 16} of a
 * {@code grant_entry_v1}:
 * <ul>
 *   <li>Granting: plain store of {@code frame}, then {@code setIntRelease} of the word. Pairs with the
 *       hypervisor's volatile read and CAS of the word, after which it reads {@code frame}.</li>
 *   <li>Mapping: CAS (volatile) that sets {@code GTF_reading}/{@code GTF_writing} while checking type and
 *       domid on the replaced value. Revoking: CAS that clears the flags while checking that the busy bits
 *       are clear on the replaced value. Both are CASes on the same word, so they are totally ordered:
 *       exactly one of "revoked" and "mapped" happens.</li>
 *   <li>Unmapping: the mapping's arena is closed first, then the busy bits are cleared with an atomic AND;
 *       a granter that sees them clear can no longer be read or written through the old mapping. A
 *       {@code CHECKED} mapping is revoked instead with an atomic OR on its maptrack slot's guard word (which
 *       its view and every cursor bound to it check, together with the mapping's epoch in the same word);
 *       accesses in flight are counted in the same word, and the busy bits are cleared only once that count is
 *       zero. Scalar reads through a view or cursor read first and check the word after a load-load fence.</li>
 * </ul>
 *
 * <h2>Trust</h2>
 * Grant entries are written by the granting guest and are hostile: each value is read once, validated,
 * and the hypervisor acts on its own snapshot while the entry is pinned. Statuses are {@code GNTST_*}
 * codes; no operation throws for guest input.
 *
 * <h2>Non-goals</h2>
 * Grant tables v2, transitive and sub-page grants, {@code GNTTABOP_transfer}, PV page-table mappings.
 */
package io.pvkit.grant;
