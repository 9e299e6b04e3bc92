package io.pvkit.hypervisor.dom0;

import java.lang.foreign.MemorySegment;

/**
 * The one facility of domain 0's "kernel" that is not a hypercall: reaching the memory of a grant mapping
 * after {@code GNTTABOP_map_grant_ref} succeeded.
 *
 * <p>Why it exists: on Xen, {@code map_grant_ref} with {@code GNTMAP_host_map} writes a page-table entry
 * at {@code host_addr}, and the backend then simply dereferences that virtual address. pvkit's memory is a
 * {@link MemorySegment} per domain and cannot alias another domain's frame into domain 0's own memory, so
 * the PTE is stood in for by this lookup. It gives nothing a hypercall did not already grant: only a live
 * mapping of the calling domain (domain 0) is found, and the segment dies (throws
 * {@link IllegalStateException}) when the mapping is unmapped or revoked at the granter's destruction.
 */
@FunctionalInterface
public interface Dom0Kernel {
    /**
     * The frame behind one of domain 0's live host mappings.
     *
     * @param handle the handle {@code map_grant_ref} returned
     * @return the 4096-byte view, or null when the handle is not a live host mapping of domain 0
     */
    MemorySegment grantMapping(int handle);
}
