package io.pvkit.events.internal;

import io.pvkit.abi.DomId;

import java.util.Arrays;

/**
 * The registered domains by id, and the lock that serialises every change of a binding or of the registry.
 *
 * <p>Reads take no lock: the table is an array published through a volatile field and never written after
 * publication (copy on write under {@link #changes()}), so a sender finds its domain with one volatile read.
 * A domain is registered from {@code addDomain} until its release completes; it is <em>live</em> until its
 * release starts ({@link DomainPorts#alive}).
 */
public final class DomainRegistry {
    private final ChangeLock changes = new ChangeLock();
    /** By domain id; replaced, never written in place. */
    private volatile DomainPorts[] domains = new DomainPorts[16];

    /**
     * The lock every binding change (alloc, bind, close, bind_vcpu, reset, release) and every registry change
     * holds; never taken by send, unmask or VIRQ delivery.
     *
     * @return the lock
     */
    public ChangeLock changes() {
        return changes;
    }

    /**
     * A registered domain (alive or being released).
     *
     * @param domid the domain id (any value)
     * @return the domain, or null
     */
    public DomainPorts domain(int domid) {
        // ORDERING: volatile read of the array; its elements were written before it was published.
        DomainPorts[] ds = domains;
        return domid >= 0 && domid < ds.length ? ds[domid] : null;
    }

    /**
     * A registered domain that is not being released.
     *
     * @param domid the domain id (any value)
     * @return the domain, or null (callers answer {@code -ESRCH})
     */
    public DomainPorts live(int domid) {
        DomainPorts d = domain(domid);
        return d != null && d.alive ? d : null;
    }

    /**
     * The caller for {@link DomId#SELF}, else a live domain.
     *
     * @param caller the calling domain
     * @param dom a u16 domain id
     * @return the domain, or null
     */
    public DomainPorts lookup(DomainPorts caller, int dom) {
        return dom == DomId.SELF ? caller : live(dom);
    }

    /**
     * Registers {@code d}. The caller holds {@link #changes()}.
     *
     * @param d the new domain
     * @throws IllegalStateException when the id is registered
     */
    public void add(DomainPorts d) {
        if (domain(d.domid) != null) {
            throw new IllegalStateException("domain " + d.domid + " is already registered");
        }
        DomainPorts[] ds = domains;
        int length = ds.length;
        if (d.domid >= length) {
            length = Math.min(DomId.FIRST_RESERVED, Math.max(d.domid + 1, length * 2));
        }
        DomainPorts[] copy = Arrays.copyOf(ds, length);
        copy[d.domid] = d;
        domains = copy;
    }

    /**
     * Unregisters {@code d}. The caller holds {@link #changes()}.
     *
     * @param d a registered domain
     */
    public void remove(DomainPorts d) {
        DomainPorts[] copy = domains.clone();
        if (copy[d.domid] == d) {
            copy[d.domid] = null;
        }
        domains = copy;
    }
}
