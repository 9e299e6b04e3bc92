package io.pvkit.events.internal;

import io.pvkit.abi.evtchn.Virq;

import static io.pvkit.events.internal.DomainPorts.INTERDOMAIN;
import static io.pvkit.events.internal.DomainPorts.IPI;
import static io.pvkit.events.internal.DomainPorts.UNBOUND;
import static io.pvkit.events.internal.DomainPorts.VIRQ;
import static io.pvkit.events.internal.Errno.EINVAL;
import static io.pvkit.events.internal.Errno.ESRCH;

/**
 * Delivering events: {@code EVTCHNOP_send}, VIRQ delivery and {@code EVTCHNOP_unmask}, the operations every
 * notification makes. None takes a lock shared between domains: each finds its domain with one volatile read
 * ({@link DomainRegistry}), takes the read lock of the one port it acts on ({@link ChannelLocks}, Xen's
 * {@code evtchn_read_lock}), and marks {@code shared_info} with {@link SharedInfoBits}. Guests sending on their own
 * channels touch no common word, so they scale; a send racing a close of either end delivers to the binding it
 * read (the close waits for it) or finds the port closed, never a port reused meanwhile.
 */
public final class Delivery {
    private final DomainRegistry registry;

    /**
     * Delivery over the domains of {@code registry}.
     *
     * @param registry the domains
     */
    public Delivery(DomainRegistry registry) {
        this.registry = registry;
    }

    /**
     * Xen's {@code evtchn_send}.
     *
     * @param caller the calling domain
     * @param port the local port (any value)
     * @return 0, {@code -ESRCH} or {@code -EINVAL}
     */
    public int send(int caller, int port) {
        final DomainPorts d = registry.live(caller);
        if (d == null) {
            return ESRCH;
        }
        if (!d.valid(port)) {
            return EINVAL;
        }
        final ChannelLocks locks = d.locks;
        locks.readLock(port);
        try {
            // ORDERING: under the port's read lock the binding cannot change: bind and close write-lock it (and
            // close write-locks the remote end too), so peer and remotePort name the live remote end.
            switch (d.stateOf(port)) {
                case INTERDOMAIN -> d.peer[port].setPending(d.remotePort[port]);
                case IPI -> d.setPending(port);
                case UNBOUND -> {
                    // dropped, as Xen does
                }
                default -> {
                    return EINVAL;
                }
            }
            return 0;
        } finally {
            locks.readUnlock(port);
        }
    }

    /**
     * Xen's {@code send_guest_vcpu_virq} / {@code send_guest_global_virq}.
     *
     * @param domid the target domain
     * @param vcpu the vCPU of a per-vCPU VIRQ
     * @param virq the VIRQ number (any value)
     * @return whether a bound port was marked (or was pending already)
     */
    public boolean raiseVirq(int domid, int vcpu, int virq) {
        final DomainPorts d = registry.live(domid);
        if (d == null || virq < 0 || virq >= Virq.NR_VIRQS) {
            return false;
        }
        final int v = VirqRules.isGlobal(virq) ? 0 : vcpu;
        if (v < 0 || v >= d.vcpus) {
            return false;
        }
        // ORDERING: a racy read (Xen holds v->virq_lock here); re-checked under the port's read lock below.
        final int port = d.virqToPort[v][virq];
        if (port == 0) {
            return false;
        }
        d.locks.readLock(port);
        try {
            if (d.stateOf(port) != VIRQ || d.virq[port] != virq || d.virqToPort[v][virq] != port) {
                return false; // closed (and perhaps reused) since the racy read: the VIRQ is no longer bound there
            }
            d.setPending(port);
            return true;
        } finally {
            d.locks.readUnlock(port);
        }
    }

    /**
     * Xen's {@code evtchn_unmask}.
     *
     * @param caller the calling domain
     * @param port the port (any value)
     * @return 0, {@code -ESRCH} or {@code -EINVAL}
     */
    public int unmask(int caller, int port) {
        final DomainPorts d = registry.live(caller);
        if (d == null) {
            return ESRCH;
        }
        if (!d.valid(port)) {
            return EINVAL;
        }
        d.locks.readLock(port);
        try {
            d.unmask(port);
            return 0;
        } finally {
            d.locks.readUnlock(port);
        }
    }
}
