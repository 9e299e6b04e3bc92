package io.pvkit.grant.internal;

import io.pvkit.abi.DomId;

import java.util.Arrays;

/**
 * The registry of {@code GrantTables}: every domain's grant state by id. The registry object is also the one
 * lock that guards all grant book-keeping (every {@code ...Locked} method of this package must be called
 * holding its monitor); closing shared arenas and copying bytes happen outside it.
 *
 * <p>The domain array is copy-on-write (replaced, never changed in place, under the monitor), so the copy fast
 * path can look a domain up without the monitor ({@link #live}); it rechecks {@code dying} after it announced
 * its copy ({@link CopiesInFlight}).
 */
public final class Registry {
    /** Copy-on-write: written only under the monitor, read without it by {@link #live}. */
    private volatile DomainGrants[] domains = new DomainGrants[8];
    /** The maximum number of mappings each domain may hold. */
    public final int maptrackLimit;

    /**
     * @param maptrackLimit the per-domain maptrack limit (1 .. {@link Maptrack#MAX_LIMIT})
     */
    public Registry(int maptrackLimit) {
        if (maptrackLimit < 1 || maptrackLimit > Maptrack.MAX_LIMIT) {
            throw new IllegalArgumentException("maptrack limit must be 1.." + Maptrack.MAX_LIMIT);
        }
        this.maptrackLimit = maptrackLimit;
    }

    /** Registers {@code d}; the id must be free. Caller holds the lock. */
    public void addLocked(DomainGrants d) {
        if (getLocked(d.domid) != null) {
            throw new IllegalArgumentException("domain " + d.domid + " already registered");
        }
        DomainGrants[] next = Arrays.copyOf(domains, Math.max(domains.length, Integer.highestOneBit(d.domid) * 2));
        next[d.domid] = d;
        // ORDERING: volatile store of a fully built array: a lock-free reader sees the domain's final fields
        domains = next;
    }

    /** Forgets a fully released domain. Caller holds the lock. */
    public void removeLocked(int domid) {
        DomainGrants[] next = domains.clone();
        next[domid] = null;
        domains = next;
    }

    /** @return the domain's state, dying or not, or null. Caller holds the lock. */
    public DomainGrants getLocked(int domid) {
        DomainGrants[] all = domains;
        return domid >= 0 && domid < all.length ? all[domid] : null;
    }

    /**
     * The domain's state unless it is unknown or dying, without the monitor (the copy fast path). A domain
     * found live here may start dying at any moment: the caller announces its use and rechecks
     * {@link DomainGrants#dying} before touching its memory.
     */
    public DomainGrants live(int domid) {
        DomainGrants d = getLocked(domid);
        return d == null || d.dying ? null : d;
    }

    /** @return the domain's state unless it is unknown or dying. Caller holds the lock. */
    public DomainGrants liveLocked(int domid) {
        DomainGrants d = getLocked(domid);
        return d == null || d.dying ? null : d;
    }

    /** @return the live target of an op naming {@code dom} (DOMID_SELF is the caller). Caller holds the lock. */
    public DomainGrants targetLocked(int caller, int dom) {
        return liveLocked(dom == DomId.SELF ? caller : dom);
    }

    /** @return whether {@code caller} is a live privileged domain. Caller holds the lock. */
    public boolean privilegedLocked(int caller) {
        DomainGrants c = liveLocked(caller);
        return c != null && c.privileged;
    }
}
