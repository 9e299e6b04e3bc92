package io.pvkit.events.internal;

import java.util.Objects;

import static io.pvkit.events.internal.DomainPorts.FREE;
import static io.pvkit.events.internal.DomainPorts.RESERVED;
import static io.pvkit.events.internal.Errno.EAGAIN;
import static io.pvkit.events.internal.Errno.EBUSY;
import static io.pvkit.events.internal.Errno.EPERM;
import static io.pvkit.events.internal.Errno.ESRCH;

/**
 * Closing every port of a domain, preemptibly (XSA-344): {@code EVTCHNOP_reset} (Xen's {@code evtchn_reset}) and
 * the release of a dead domain (Xen's {@code evtchn_destroy}). Ports are closed in chunks of at most
 * {@link #CHUNK} under one hold of {@link DomainRegistry#changes()}; between chunks the lock is released and the
 * preemption hook runs, so other domains' binding changes are never blocked for a whole teardown (sends never
 * wait for the registry lock at all).
 */
public final class Teardown {
    /** The most ports closed under one hold of the registry lock (Xen checks for preemption every 64 ports). */
    public static final int CHUNK = 64;

    private final DomainRegistry registry;
    private final Bindings bindings;
    private volatile Runnable preemptionHook = () -> { };

    /**
     * Teardown of the domains of {@code registry}, closing with {@code bindings}.
     *
     * @param registry the domains
     * @param bindings how a port is closed
     */
    public Teardown(DomainRegistry registry, Bindings bindings) {
        this.registry = registry;
        this.bindings = bindings;
    }

    public void onPreemptionPoint(Runnable hook) {
        this.preemptionHook = Objects.requireNonNull(hook, "hook");
    }

    public boolean releaseDomain(int domid, int budget) {
        if (budget < 1) {
            throw new IllegalArgumentException("budget must be positive, got " + budget);
        }
        ChangeLock changes = registry.changes();
        DomainPorts dying;
        changes.lock();
        try {
            dying = registry.domain(domid);
            if (dying == null) {
                return true;
            }
            // from here on every operation of or towards the domain answers -ESRCH
            dying.alive = false;
        } finally {
            changes.unlock();
        }
        int left = budget;
        while (true) {
            changes.lock();
            try {
                if (registry.domain(domid) != dying) {
                    return true; // released by a concurrent call
                }
                int from = dying.releaseNext;
                int end = (int) Math.min(dying.limit, (long) from + Math.min(left, CHUNK));
                for (int p = from; p < end; p++) {
                    if (dying.state[p] != FREE && dying.state[p] != RESERVED) {
                        bindings.closeLocked(dying, p);
                    }
                }
                left -= end - from;
                dying.releaseNext = end;
                if (end >= dying.limit) {
                    registry.remove(dying);
                    return true;
                }
            } finally {
                changes.unlock();
            }
            preemptionHook.run();
            if (left <= 0) {
                return false;
            }
        }
    }

    public int reset(int caller, int dom) {
        ChangeLock changes = registry.changes();
        DomainPorts target;
        changes.lock();
        try {
            DomainPorts c = registry.live(caller);
            if (c == null) {
                return ESRCH;
            }
            DomainPorts d = registry.lookup(c, dom & 0xFFFF);
            if (d == null) {
                return ESRCH;
            }
            if (d != c && !c.privileged) {
                return EPERM;
            }
            if (d.resetting) {
                return EBUSY;
            }
            d.resetting = true;
            target = d;
        } finally {
            changes.unlock();
        }
        boolean completed = false;
        try {
            completed = closeAllInChunks(target);
        } finally {
            changes.lock();
            try {
                target.resetting = false;
            } finally {
                changes.unlock();
            }
        }
        if (!completed) {
            return ESRCH;
        }
        changes.lock();
        try {
            // a port allocated while the reset ran makes it fail (Xen 8d385b247b: -EAGAIN, not success)
            return target.anyInUse() ? EAGAIN : 0;
        } finally {
            changes.unlock();
        }
    }

    /**
     * Closes ports 1 .. {@code limit - 1} of {@code d} in chunks, running the preemption hook between chunks with
     * no lock held.
     *
     * @return false when the domain was released meanwhile (by another thread)
     */
    private boolean closeAllInChunks(DomainPorts d) {
        ChangeLock changes = registry.changes();
        int p = 1;
        while (p < d.limit) {
            changes.lock();
            try {
                if (!d.alive) {
                    return false;
                }
                int end = Math.min(d.limit, p + CHUNK);
                for (; p < end; p++) {
                    if (d.state[p] != FREE) {
                        bindings.closeLocked(d, p);
                    }
                }
            } finally {
                changes.unlock();
            }
            if (p < d.limit) {
                preemptionHook.run();
            }
        }
        return true;
    }
}
