package io.pvkit.grant.internal;

import io.pvkit.abi.DomId;


/**
 * Releasing a dying domain's grant state, bounded per call and resumable (XSA-380): the mappings it
 * holds are released, the mappings of its grants held by others are revoked, each through
 * {@link MappingRelease}; the domain is forgotten only when no mapping, no pending view end and no copy
 * references it any more (locked copies count {@link DomainGrants#busy}, lock-free ones announce themselves in
 * {@link CopiesInFlight}).
 */
public final class Teardown {
    private final Registry registry;
    private final MappingRelease release;
    private final CopiesInFlight inFlight;

    /**
     * @param registry the domains and the lock
     * @param release the release path
     * @param inFlight the lock-free copies in flight (a domain is kept while one uses its memory)
     */
    public Teardown(Registry registry, MappingRelease release, CopiesInFlight inFlight) {
        this.registry = registry;
        this.release = release;
        this.inFlight = inFlight;
    }

    /**
     * @param domid the dying domain
     * @param budget the maximum number of mappings to release in this call (at least 1)
     * @return true when nothing of the domain is left; false to call again
     */
    public boolean releaseDomain(int domid, int budget) {
        if (budget < 1) {
            throw new IllegalArgumentException("budget must be positive");
        }
        if (!DomId.isOrdinary(domid)) {
            return true;
        }
        synchronized (registry) {
            DomainGrants d = registry.getLocked(domid);
            if (d == null) {
                return true;
            }
            d.dying = true;
        }
        release.reap(); // retries the deferred ends of views, this domain's among them
        for (int done = 0; done < budget; done++) {
            Mapping m;
            int removed;
            boolean outside;
            synchronized (registry) {
                DomainGrants d = registry.getLocked(domid);
                if (d == null) {
                    return true;
                }
                m = d.maptrack.any();
                if (m == null) {
                    m = d.anyForeign();
                }
                if (m == null) {
                    break;
                }
                removed = m.kinds;
                outside = release.detachLocked(m, removed);
                if (!outside) {
                    release.finishLocked(m, removed);
                }
            }
            if (outside) {
                release.finish(m, removed);
            }
        }
        synchronized (registry) {
            release.reapOwnLocked();
            DomainGrants d = registry.getLocked(domid);
            if (d == null) {
                return true;
            }
            // ORDERING: `dying` was set (volatile) above before this scan: a lock-free copy announced after the scan
            // sees it and touches nothing (CopiesInFlight)
            if (d.maptrack.slotsInUse() == 0 && d.foreignCount() == 0 && d.busy == 0 && !inFlight.uses(d)) {
                registry.removeLocked(domid);
                return true;
            }
            return false;
        }
    }
}
