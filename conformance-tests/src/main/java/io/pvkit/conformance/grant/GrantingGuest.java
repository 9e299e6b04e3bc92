package io.pvkit.conformance.grant;

/**
 * The guest side of grant tables as the kit drives it for the frontend rules FE-09 and FE-10: an adapter
 * over the implementation's own granting code, working on the table the hypervisor set up.
 */
public interface GrantingGuest {
    /**
     * Shares frame {@code gfn} of the guest with {@code domid} the way the implementation shares pages
     * with a backend (zeroed first: FE-10).
     *
     * @param domid the backend domain
     * @param gfn a frame of the guest
     * @param readOnly true for a read-only grant
     * @return the grant reference
     */
    int sharePage(int domid, long gfn, boolean readOnly);

    /**
     * Ends the backend's access to a grant.
     *
     * @param ref a reference returned by {@link #sharePage}
     * @return true when the grant is gone and the page may be reused; false when it is still in use
     */
    boolean endAccess(int ref);
}
