package io.pvkit.hypervisor;

import io.pvkit.hypervisor.dom0.ToolstackChannel;
import io.pvkit.hypervisor.dom0.ToolstackMessage;
import io.pvkit.hypervisor.internal.DomainRecord;
import io.pvkit.hypervisor.internal.DomainTable;
import io.pvkit.hypervisor.internal.LibraryDomains;
import io.pvkit.hypervisor.internal.XenstoreToolstack;
import io.pvkit.process.GuestSession;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * How a guest domain is destroyed, at once ({@link Hypervisor#destroyDomain}, {@link Hypervisor#close}) or in
 * bounded steps ({@link Hypervisor#destroyDomainStep}): the domain is marked dying (its grants can no longer be
 * mapped or copied), its hypercalls in flight and vCPU threads are waited for, domain 0 lets go of it (backends,
 * xenstore nodes), pv-events and pv-grant release it, and its memory is closed once nothing maps it.
 *
 * <p>Every method is called holding the hypervisor's lifecycle lock, which also guards the set of destroys
 * under way.
 */
final class DomainTeardown {
    private static final System.Logger LOG = System.getLogger("io.pvkit.hypervisor");

    private final LibraryDomains library;
    private final DomainTable table;
    private final ToolstackChannel toolstack;
    private final Map<Integer, Domain> handles;
    private final Map<Integer, GuestSession> sessions;
    private final Supplier<XenstoreToolstack> xenstore;
    /** Guests whose stepped destroy started and has not finished. */
    private final Set<Integer> stepped = new HashSet<>();

    /**
     * @param library the libraries' registrations
     * @param table the live domains
     * @param toolstack the channel to domain 0's toolstack
     * @param handles the hypervisor's domain handles (a destroyed domain's goes)
     * @param sessions the out-of-process guests' sessions (a destroyed domain's is closed)
     * @param xenstore the toolstack's xenstore connection, or null once the hypervisor is closing
     */
    DomainTeardown(LibraryDomains library, DomainTable table, ToolstackChannel toolstack, Map<Integer, Domain> handles,
                   Map<Integer, GuestSession> sessions, Supplier<XenstoreToolstack> xenstore) {
        this.library = library;
        this.table = table;
        this.toolstack = toolstack;
        this.handles = handles;
        this.sessions = sessions;
        this.xenstore = xenstore;
    }

    /**
     * Destroys a guest at once (what a stepped destroy left of it included); a no-op for a domain already
     * destroyed. Waits up to {@link Hypervisor#SERVICE_TIMEOUT} for its release; if grants of it are still in
     * use then, the domain is gone all the same and its memory stays allocated (logged).
     *
     * @param d the domain
     */
    void destroy(DomainRecord d) {
        if (d.beginDying()) {
            stopForRelease(d);
        } else if (!stepped.remove(d.domid)) {
            return;
        }
        boolean gone = false;
        long releaseDeadline = System.nanoTime() + Hypervisor.SERVICE_TIMEOUT.toNanos();
        while (!(gone = library.release(d.domid, 64)) && System.nanoTime() < releaseDeadline) {
            Thread.yield();
        }
        finishDestroy(d, gone);
    }

    /**
     * One step of a stepped destroy ({@link Hypervisor#destroyDomainStep}): the first step stops the domain as
     * {@link #destroy} does before any release; every step releases at most {@code budget} ports and grant
     * mappings; the step that releases the last finishes the destroy.
     *
     * @param d the domain (live, or dying through an earlier step)
     * @param budget the most ports, and the most grant mappings, this step releases
     * @return true when the domain is gone
     */
    boolean step(DomainRecord d, int budget) {
        if (d.beginDying()) {
            stopForRelease(d);
            stepped.add(d.domid);
        } else if (!stepped.contains(d.domid)) {
            return false; // cannot happen under the lifecycle lock: a destroy removes its domain before it returns
        }
        if (!library.release(d.domid, budget)) {
            return false;
        }
        stepped.remove(d.domid);
        finishDestroy(d, true);
        return true;
    }

    /**
     * Everything of a destroy before the release: the domain is dying (its grants can no longer be mapped),
     * its hypercalls in flight and vCPU threads are waited for, domain 0 lets go of it.
     */
    private void stopForRelease(DomainRecord d) {
        // Xen's d->is_dying: others can no longer map or copy its grants while the teardown waits (kit GNT-22)
        library.markDying(d.domid);
        long deadline = System.nanoTime() + Hypervisor.SERVICE_TIMEOUT.toNanos();
        while (d.inFlight() > 0 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(100_000);
        }
        for (Thread t : d.threads()) {
            if (t != null && t != Thread.currentThread()) {
                try {
                    t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (t.isAlive()) {
                    LOG.log(System.Logger.Level.WARNING, "vCPU thread " + t.getName() + " of " + d.name
                            + " did not return after destroy; it keeps running with every hypercall refused");
                }
            }
        }
        DomainRecord dom0 = table.get(0);
        if (d.domid != 0 && dom0 != null && dom0.phase() == DomainRecord.RUNNING) {
            CompletableFuture<Boolean> released = new CompletableFuture<>();
            toolstack.post(new ToolstackMessage.Release(d.domid, released));
            if (!await(released)) {
                LOG.log(System.Logger.Level.WARNING, "domain 0 did not release " + d.name + " in time");
            }
            XenstoreToolstack store = xenstore.get();
            if (store != null) {
                try {
                    store.removeGuestDevices(d.domid); // the backend stopped above; now its nodes go
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "vbd nodes of " + d.name + " not removed", e);
                }
            }
        }
    }

    /** The end of a destroy, once the libraries released what they could: the domain is gone. */
    private void finishDestroy(DomainRecord d, boolean gone) {
        table.remove(d.domid);
        handles.remove(d.domid);
        d.dead();
        GuestSession session = sessions.remove(d.domid);
        if (session != null) {
            d.waker.forwardTo(null);
            d.remoteVcpus(0);
            session.close(); // a no-op when the guest ended it; else its hypercalls now answer -ENODEV
        }
        if (gone) {
            closeMemory(d);
        } else {
            LOG.log(System.Logger.Level.WARNING, "grants of " + d.name + " still in use; its memory stays allocated");
        }
    }

    private static void closeMemory(DomainRecord d) {
        for (int attempt = 0; attempt < 100; attempt++) {
            try {
                d.memory.close();
                return;
            } catch (IllegalStateException busy) {
                LockSupport.parkNanos(1_000_000); // a straggler thread is inside an access; retry
            }
        }
        LOG.log(System.Logger.Level.WARNING, "memory of " + d.name + " could not be closed");
    }

    /**
     * Waits for domain 0's answer to a toolstack message.
     *
     * @param f the answer
     * @return true when it answered true within {@link Hypervisor#SERVICE_TIMEOUT}
     */
    static boolean await(CompletableFuture<Boolean> f) {
        try {
            return Boolean.TRUE.equals(f.get(Hypervisor.SERVICE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
        } catch (ExecutionException | TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
