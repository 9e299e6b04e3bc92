package io.pvkit.events;

import io.pvkit.abi.evtchn.EvtchnStatus;
import io.pvkit.abi.evtchn.Virq;
import io.pvkit.events.internal.VirqRules;

import io.pvkit.abi.DomId;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.evtchn.SharedInfoLayout;
import io.pvkit.abi.DomainSpec;
import io.pvkit.events.internal.DomainPorts;
import io.pvkit.events.internal.SendEvent;
import io.pvkit.events.internal.SharedInfoBits;
import io.pvkit.events.spi.VcpuKicker;

import java.util.Objects;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import static io.pvkit.events.internal.DomainPorts.FREE;
import static io.pvkit.events.internal.DomainPorts.INTERDOMAIN;
import static io.pvkit.events.internal.DomainPorts.IPI;
import static io.pvkit.events.internal.DomainPorts.RESERVED;
import static io.pvkit.events.internal.DomainPorts.UNBOUND;
import static io.pvkit.events.internal.DomainPorts.VIRQ;

/**
 * The hypervisor side of event channels: one port table per domain and the EVTCHNOP operations with
 * Xen's results and errors ({@code xen/common/event_channel.c}, Xen 4.17), delivering through the
 * 2-level ABI in each domain's {@code shared_info}.
 *
 * <p>Every operation takes the calling domain's id first (the platform knows who is calling) and the
 * guest's arguments unchanged (ports and vCPUs as the raw 32-bit values, domain ids as the raw 16-bit
 * values, {@link DomId#SELF} allowed where Xen allows it). Results are Xen's: a port or 0 on success,
 * a negated {@link XenErrno} on failure. No operation throws for any guest-supplied value; an
 * unregistered calling domain gets {@code -ESRCH}.
 *
 * <p>Semantics worth knowing (all as Xen):
 * <ul>
 *   <li>Port 0 is reserved and never allocated; ports are allocated lowest-free-first.</li>
 *   <li>{@code send} on an unbound port is dropped and returns 0; on a VIRQ or free port it is
 *       {@code -EINVAL}.</li>
 *   <li>{@code bindInterdomain} marks the new local port pending, so an event the peer sent before
 *       the bind is not lost.</li>
 *   <li>Closing one end of an interdomain channel turns the other end back into unbound (ready for the
 *       same domain to bind again). Closing clears the closed port's pending bit.</li>
 *   <li>Only the remote domain named in {@code allocUnbound} may bind the port.</li>
 *   <li>{@link #releaseDomain(int, int)} closes every port of a dead domain, so its peers go unbound.</li>
 * </ul>
 *
 * <p>Port validity: a port is valid when it is below the domain's port limit (4096 for the 2-level
 * ABI, or less when the platform registers a lower limit, like xl's {@code max_event_channels}).
 * Xen grows its valid range in buckets as ports are allocated; pv-events allocates the whole table up
 * front, which is Xen's behaviour once every bucket exists.
 *
 * <p>Thread safety and locking: one {@link ReentrantReadWriteLock} guards every port table. Operations
 * that change bindings take the write lock; {@code send}, {@code unmask}, {@code status} and VIRQ
 * delivery take the read lock (they change only shared-memory bits, with atomics). With a single
 * lock there is no lock ordering between two domains to get wrong (Xen orders two domains' locks by
 * address). The {@link VcpuKicker} is called with the read or write lock held.
 *
 * {@snippet :
 * EventChannels evtchn = new EventChannels();
 * evtchn.addDomain(new DomainSpec(0, dom0Memory, 1, true), 0, VcpuKicker.POLLING);
 * evtchn.addDomain(new DomainSpec(1, guestMemory, 1, false), 0, kicker);
 * int unbound = evtchn.allocUnbound(1, DomId.SELF, 0);     // guest offers a port to dom0
 * int local = evtchn.bindInterdomain(0, 1, unbound);       // dom0 binds it
 * evtchn.send(0, local);                                   // pending in the guest's shared_info
 * }
 */
public final class EventChannels {
    /** {@code EVTCHN_2L_NR_CHANNELS} for 64-bit guests. */
    public static final int MAX_PORTS_2L = SharedInfoLayout.NR_2L_CHANNELS;

    private static final int EINVAL = (int) XenErrno.EINVAL.negated();
    private static final int ENOSPC = (int) XenErrno.ENOSPC.negated();
    private static final int ESRCH = (int) XenErrno.ESRCH.negated();
    private static final int EPERM = (int) XenErrno.EPERM.negated();
    private static final int ENOENT = (int) XenErrno.ENOENT.negated();
    private static final int EEXIST = (int) XenErrno.EEXIST.negated();

    private static final int EBUSY = (int) XenErrno.EBUSY.negated();
    private static final int EAGAIN = (int) XenErrno.EAGAIN.negated();

    /**
     * The most ports {@link #reset} and {@link #releaseDomain} close under one hold of the lock (Xen
     * checks for preemption every 64 ports); between chunks the lock is released, so other domains'
     * operations are never blocked for a whole teardown (XSA-344).
     */
    public static final int TEARDOWN_CHUNK = 64;

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile Runnable preemptionHook = () -> { };
    /** Port tables by domain id (grown on demand, never beyond {@link DomId#FIRST_RESERVED}); guarded by {@link #lock}. */
    private DomainPorts[] domains = new DomainPorts[16];

    /** An event-channel subsystem with no domains. */
    public EventChannels() {
    }

    /**
     * Sets what runs at each preemption point of {@link #reset} and {@link #releaseDomain}: after each
     * chunk of at most {@link #TEARDOWN_CHUNK} ports, with no lock held (Xen's
     * {@code hypercall_preempt_check}). A platform may yield there; tests observe the teardown's progress.
     *
     * @param hook the action (must not call {@code reset}/{@code releaseDomain} of the same domain)
     */
    public void onPreemptionPoint(Runnable hook) {
        this.preemptionHook = java.util.Objects.requireNonNull(hook, "hook");
    }

    // ------------------------------------------------------------------------------------------
    // Platform operations
    // ------------------------------------------------------------------------------------------

    /**
     * Adds a domain with the full 2-level port space (4096 ports).
     *
     * @param spec the domain: id, memory, vCPU count (1..32: each {@code vcpu_info} lives in
     *     {@code shared_info}) and privilege (a privileged domain may act on other domains' ports)
     * @param sharedInfoGfn the frame of the domain's memory that holds its {@code shared_info}
     * @param kicker how to wake the domain's vCPUs
     * @throws IllegalArgumentException when the frame is not inside the domain's memory
     * @throws IllegalStateException when the id is already registered (including a domain whose
     *     {@link #releaseDomain release} has not completed)
     */
    public void addDomain(DomainSpec spec, long sharedInfoGfn, VcpuKicker kicker) {
        addDomain(spec, sharedInfoGfn, kicker, MAX_PORTS_2L);
    }

    /**
     * Adds a domain with a port limit below the 2-level maximum (like xl's {@code max_event_channels}).
     *
     * @param spec the domain: id, memory, vCPU count (1..32) and privilege
     * @param sharedInfoGfn the frame of the domain's memory that holds its {@code shared_info}
     * @param kicker how to wake the domain's vCPUs
     * @param portLimit the number of ports (ports {@code 0..portLimit-1}), 2..4096
     * @throws IllegalArgumentException on a bad frame or limit
     * @throws IllegalStateException when the id is already registered
     */
    public void addDomain(DomainSpec spec, long sharedInfoGfn, VcpuKicker kicker, int portLimit) {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(kicker, "kicker");
        if (portLimit < 2 || portLimit > MAX_PORTS_2L) {
            throw new IllegalArgumentException("port limit must be 2.." + MAX_PORTS_2L + ", got " + portLimit);
        }
        SharedInfoBits bits;
        try {
            bits = new SharedInfoBits(spec.memory(), sharedInfoGfn, spec.vcpus());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("bad shared_info frame " + sharedInfoGfn + " for " + spec, e);
        }
        lock.writeLock().lock();
        try {
            if (domain(spec.domid()) != null) {
                throw new IllegalStateException("domain " + spec.domid() + " is already registered");
            }
            int id = spec.domid();
            if (id >= domains.length) {
                domains = java.util.Arrays.copyOf(domains, Math.min(DomId.FIRST_RESERVED, Math.max(id + 1, domains.length * 2)));
            }
            domains[id] = new DomainPorts(id, spec.privileged(), spec.vcpus(), portLimit, bits, kicker);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Whether a domain is registered: from {@link #addDomain} until its {@link #releaseDomain} returned
     * true (a domain being released is still registered, although every operation already answers
     * {@code -ESRCH}).
     *
     * @param domid the domain id
     * @return true when registered
     */
    public boolean hasDomain(int domid) {
        lock.readLock().lock();
        try {
            return domain(domid) != null;
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Releases a dead domain's event channels (Xen's {@code evtchn_destroy}), preemptibly: each call
     * examines at most {@code budget} ports (so closes at most {@code budget}), and the caller calls
     * again until it returns true, as Xen continues a preempted {@code domain_kill}. Every closed
     * interdomain port's peer becomes unbound (offered to this domain again, as Xen does); from the
     * first call on, the domain is unknown ({@code -ESRCH}) to every operation. Within one call the
     * lock is released every {@link #TEARDOWN_CHUNK} ports and the {@link #onPreemptionPoint} hook runs
     * there and before a call returns false (XSA-344), so even a huge budget never blocks other domains for a whole teardown.
     *
     * {@snippet :
     * while (!evtchn.releaseDomain(domid, 256)) {
     *     Thread.yield();   // or schedule a continuation
     * }
     * }
     *
     * @param domid the domain id
     * @param budget the most ports to examine in this call, at least 1
     * @return true when the domain is gone (also when it was not registered); false when ports remain
     * @throws IllegalArgumentException when {@code budget < 1}
     */
    public boolean releaseDomain(int domid, int budget) {
        if (budget < 1) {
            throw new IllegalArgumentException("budget must be positive, got " + budget);
        }
        DomainPorts dying;
        lock.writeLock().lock();
        try {
            dying = domain(domid);
            if (dying == null) {
                return true;
            }
            // from here on every operation of or towards the domain answers -ESRCH
            dying.alive = false;
        } finally {
            lock.writeLock().unlock();
        }
        int left = budget;
        while (true) {
            lock.writeLock().lock();
            try {
                if (domain(domid) != dying) {
                    return true; // released by a concurrent call
                }
                int from = dying.releaseNext;
                int end = (int) Math.min(dying.limit, (long) from + Math.min(left, TEARDOWN_CHUNK));
                for (int p = from; p < end; p++) {
                    if (dying.state[p] != FREE && dying.state[p] != RESERVED) {
                        closeLocked(dying, p);
                    }
                }
                left -= end - from;
                dying.releaseNext = end;
                if (end >= dying.limit) {
                    domains[domid] = null;
                    return true;
                }
            } finally {
                lock.writeLock().unlock();
            }
            preemptionHook.run();
            if (left <= 0) {
                return false;
            }
        }
    }

    /**
     * Raises a VIRQ (Xen's {@code send_guest_vcpu_virq} for per-vCPU VIRQs, {@code send_guest_global_virq}
     * for global ones, which are looked up on vCPU 0 and delivered to the port's notify vCPU).
     *
     * @param domid the target domain
     * @param vcpu the vCPU for a per-vCPU VIRQ (ignored for a global VIRQ)
     * @param virq the VIRQ number
     * @return true when a port was bound and set pending (or was pending already)
     */
    public boolean raiseVirq(int domid, int vcpu, int virq) {
        lock.readLock().lock();
        try {
            DomainPorts d = live(domid);
            if (d == null || virq < 0 || virq >= Virq.NR_VIRQS) {
                return false;
            }
            int v = VirqRules.isGlobal(virq) ? 0 : vcpu;
            if (v < 0 || v >= d.vcpus) {
                return false;
            }
            int port = d.virqToPort[v][virq];
            if (port == 0) {
                return false;
            }
            d.setPending(port);
            return true;
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * The state of a port as the platform sees it (no permission check), for tools and tests.
     *
     * @param domid the domain
     * @param port the port
     * @return the status; {@code -ESRCH} or {@code -EINVAL} in {@link ChannelStatus#status()} when the
     *     domain or port does not exist
     */
    public ChannelStatus inspect(int domid, int port) {
        lock.readLock().lock();
        try {
            DomainPorts d = domain(domid);
            if (d == null) {
                return ChannelStatus.failed(ESRCH);
            }
            return d.valid(port) ? statusOf(d, port) : ChannelStatus.failed(EINVAL);
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * The port limit of a domain.
     *
     * @param domid the domain
     * @return the number of ports, or 0 when the domain is not registered
     */
    public int portLimit(int domid) {
        lock.readLock().lock();
        try {
            DomainPorts d = domain(domid);
            return d == null ? 0 : d.limit;
        } finally {
            lock.readLock().unlock();
        }
    }

    // ------------------------------------------------------------------------------------------
    // EVTCHNOP operations
    // ------------------------------------------------------------------------------------------

    /**
     * {@code EVTCHNOP_alloc_unbound}: allocates a port of {@code dom} that only {@code remoteDom} may bind.
     *
     * @param caller the calling domain
     * @param dom the domain to allocate in ({@link DomId#SELF} or the caller; another domain needs privilege)
     * @param remoteDom the domain allowed to bind ({@link DomId#SELF} means the caller)
     * @return the port, or {@code -ESRCH} (no such {@code dom}), {@code -ENOSPC} (no free port),
     *     {@code -EPERM} (unprivileged caller, foreign {@code dom})
     */
    public int allocUnbound(int caller, int dom, int remoteDom) {
        lock.writeLock().lock();
        try {
            DomainPorts c = live(caller);
            if (c == null) {
                return ESRCH;
            }
            DomainPorts d = lookup(c, dom & 0xFFFF);
            if (d == null) {
                return ESRCH;
            }
            int port = d.freePort();
            if (port < 0) {
                return ENOSPC;
            }
            if (d != c && !c.privileged) {
                return EPERM;
            }
            int rd = remoteDom & 0xFFFF;
            d.state[port] = UNBOUND;
            d.remoteDom[port] = rd == DomId.SELF ? c.domid : rd;
            return port;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * {@code EVTCHNOP_bind_interdomain}: connects a new local port to {@code <remoteDom, remotePort>},
     * which must be unbound and offered to the caller. The new local port is set pending.
     *
     * @param caller the calling domain
     * @param remoteDom the remote domain ({@link DomId#SELF} for loopback)
     * @param remotePort the remote port (u32)
     * @return the local port, or {@code -ESRCH} (no such domain), {@code -ENOSPC} (no free local port),
     *     {@code -EINVAL} (remote port invalid, not unbound, or not offered to the caller)
     */
    public int bindInterdomain(int caller, int remoteDom, int remotePort) {
        lock.writeLock().lock();
        try {
            DomainPorts ld = live(caller);
            if (ld == null) {
                return ESRCH;
            }
            DomainPorts rd = lookup(ld, remoteDom & 0xFFFF);
            if (rd == null) {
                return ESRCH;
            }
            int lport = ld.freePort();
            if (lport < 0) {
                return ENOSPC;
            }
            if (!rd.valid(remotePort) || rd.state[remotePort] != UNBOUND || rd.remoteDom[remotePort] != ld.domid) {
                return EINVAL;
            }
            ld.state[lport] = INTERDOMAIN;
            ld.remoteDom[lport] = rd.domid;
            ld.remotePort[lport] = remotePort;
            ld.notifyVcpu[lport] = 0;
            rd.state[remotePort] = INTERDOMAIN;
            rd.remoteDom[remotePort] = ld.domid;
            rd.remotePort[remotePort] = lport;
            // The peer may have sent while the port was unbound (dropped): always mark the local port.
            ld.setPending(lport);
            return lport;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * {@code EVTCHNOP_bind_virq}.
     *
     * @param caller the calling domain
     * @param virq the VIRQ (u32)
     * @param vcpu the vCPU to notify (must be 0 for a global VIRQ)
     * @return the port, or {@code -EINVAL} (bad VIRQ, global VIRQ on a vCPU other than 0),
     *     {@code -ENOENT} (no such vCPU), {@code -EEXIST} (already bound on that vCPU), {@code -ENOSPC}
     */
    public int bindVirq(int caller, int virq, int vcpu) {
        lock.writeLock().lock();
        try {
            DomainPorts d = live(caller);
            if (d == null) {
                return ESRCH;
            }
            if (virq < 0 || virq >= Virq.NR_VIRQS) {
                return EINVAL;
            }
            if (VirqRules.isGlobal(virq) && vcpu != 0) {
                return EINVAL;
            }
            if (vcpu < 0 || vcpu >= d.vcpus) {
                return ENOENT;
            }
            if (d.virqToPort[vcpu][virq] != 0) {
                return EEXIST;
            }
            int port = d.freePort();
            if (port < 0) {
                return ENOSPC;
            }
            d.state[port] = VIRQ;
            d.notifyVcpu[port] = vcpu;
            d.virq[port] = virq;
            d.virqToPort[vcpu][virq] = port;
            return port;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * {@code EVTCHNOP_bind_ipi}.
     *
     * @param caller the calling domain
     * @param vcpu the vCPU to notify
     * @return the port, or {@code -ENOENT} (no such vCPU), {@code -ENOSPC}
     */
    public int bindIpi(int caller, int vcpu) {
        lock.writeLock().lock();
        try {
            DomainPorts d = live(caller);
            if (d == null) {
                return ESRCH;
            }
            if (vcpu < 0 || vcpu >= d.vcpus) {
                return ENOENT;
            }
            int port = d.freePort();
            if (port < 0) {
                return ENOSPC;
            }
            d.state[port] = IPI;
            d.notifyVcpu[port] = vcpu;
            return port;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * {@code EVTCHNOP_close}. An interdomain peer goes back to unbound (offered to the caller again);
     * the closed port's pending bit is cleared.
     *
     * @param caller the calling domain
     * @param port the port (u32)
     * @return 0, or {@code -EINVAL} (invalid, free or reserved port)
     */
    public int close(int caller, int port) {
        lock.writeLock().lock();
        try {
            DomainPorts d = live(caller);
            if (d == null) {
                return ESRCH;
            }
            return closeLocked(d, port);
        } finally {
            lock.writeLock().unlock();
        }
    }

    private int closeLocked(DomainPorts d, int port) {
        if (!d.valid(port)) {
            return EINVAL;
        }
        switch (d.state[port]) {
            case FREE, RESERVED -> {
                return EINVAL;
            }
            case VIRQ -> {
                int virq = d.virq[port];
                for (int v = 0; v < d.vcpus; v++) {
                    if (d.virqToPort[v][virq] == port) {
                        d.virqToPort[v][virq] = 0;
                    }
                }
            }
            case INTERDOMAIN -> {
                DomainPorts peer = domain(d.remoteDom[port]);
                int rport = d.remotePort[port];
                if (peer != null && peer.state[rport] == INTERDOMAIN && peer.remoteDom[rport] == d.domid
                        && peer.remotePort[rport] == port) {
                    peer.state[rport] = UNBOUND;
                    peer.remoteDom[rport] = d.domid;
                    peer.remotePort[rport] = 0;
                } else {
                    throw new IllegalStateException("broken interdomain binding dom" + d.domid + ":" + port);
                }
            }
            default -> {
                // UNBOUND, IPI: nothing else to undo
            }
        }
        d.free(port);
        return 0;
    }

    /**
     * {@code EVTCHNOP_send}: interdomain marks the remote port pending on its notify vCPU, IPI marks the
     * local port pending, unbound drops the event silently.
     *
     * @param caller the calling domain
     * @param port the local port (u32)
     * @return 0, or {@code -EINVAL} (invalid port, or a state that cannot send)
     */
    public int send(int caller, int port) {
        final SendEvent event = new SendEvent();
        if (event.isEnabled()) {
            event.begin();
        }
        final int result = sendLocked(caller, port);
        if (event.isEnabled()) {
            event.end();
            if (event.shouldCommit()) {
                event.domid = caller;
                event.port = port;
                event.result = result;
                event.commit();
            }
        }
        return result;
    }

    private int sendLocked(int caller, int port) {
        lock.readLock().lock();
        try {
            DomainPorts d = live(caller);
            if (d == null) {
                return ESRCH;
            }
            if (!d.valid(port)) {
                return EINVAL;
            }
            switch (d.state[port]) {
                case INTERDOMAIN -> domain(d.remoteDom[port]).setPending(d.remotePort[port]);
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
            lock.readLock().unlock();
        }
    }

    /**
     * {@code EVTCHNOP_status}.
     *
     * @param caller the calling domain
     * @param dom the domain whose port is queried ({@link DomId#SELF} for the caller)
     * @param port the port (u32)
     * @return the status, or in {@link ChannelStatus#status()} {@code -ESRCH} (no such domain),
     *     {@code -EINVAL} (invalid port), {@code -EPERM} (unprivileged caller, foreign domain)
     */
    public ChannelStatus status(int caller, int dom, int port) {
        lock.readLock().lock();
        try {
            DomainPorts c = live(caller);
            if (c == null) {
                return ChannelStatus.failed(ESRCH);
            }
            DomainPorts d = lookup(c, dom & 0xFFFF);
            if (d == null) {
                return ChannelStatus.failed(ESRCH);
            }
            if (!d.valid(port)) {
                return ChannelStatus.failed(EINVAL);
            }
            if (d != c && !c.privileged) {
                return ChannelStatus.failed(EPERM);
            }
            return statusOf(d, port);
        } finally {
            lock.readLock().unlock();
        }
    }

    private static ChannelStatus statusOf(DomainPorts d, int port) {
        int vcpu = d.notifyVcpu[port];
        return switch (d.state[port]) {
            case UNBOUND -> new ChannelStatus(0, EvtchnStatus.UNBOUND, vcpu, d.remoteDom[port], 0, 0);
            case INTERDOMAIN -> new ChannelStatus(0, EvtchnStatus.INTERDOMAIN, vcpu, d.remoteDom[port],
                    d.remotePort[port], 0);
            case VIRQ -> new ChannelStatus(0, EvtchnStatus.VIRQ, vcpu, 0, 0, d.virq[port]);
            case IPI -> new ChannelStatus(0, EvtchnStatus.IPI, vcpu, 0, 0, 0);
            default -> new ChannelStatus(0, EvtchnStatus.CLOSED, vcpu, 0, 0, 0);
        };
    }

    /**
     * {@code EVTCHNOP_unmask}: clears the mask bit and, when the port is pending, raises the upcall on
     * its notify vCPU (Xen's {@code evtchn_2l_unmask}).
     *
     * @param caller the calling domain
     * @param port the port (u32)
     * @return 0, or {@code -EINVAL} (invalid port)
     */
    public int unmask(int caller, int port) {
        lock.readLock().lock();
        try {
            DomainPorts d = live(caller);
            if (d == null) {
                return ESRCH;
            }
            if (!d.valid(port)) {
                return EINVAL;
            }
            d.unmask(port);
            return 0;
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * {@code EVTCHNOP_bind_vcpu}: changes the vCPU a port notifies. Allowed for unbound, interdomain and
     * global-VIRQ ports.
     *
     * @param caller the calling domain
     * @param port the port (u32)
     * @param vcpu the new vCPU (u32)
     * @return 0, or {@code -ENOENT} (no such vCPU), {@code -EINVAL} (invalid port, IPI, per-vCPU VIRQ,
     *     free port)
     */
    public int bindVcpu(int caller, int port, int vcpu) {
        lock.writeLock().lock();
        try {
            DomainPorts d = live(caller);
            if (d == null) {
                return ESRCH;
            }
            if (vcpu < 0 || vcpu >= d.vcpus) {
                return ENOENT;
            }
            if (!d.valid(port)) {
                return EINVAL;
            }
            switch (d.state[port]) {
                case VIRQ -> {
                    if (!VirqRules.isGlobal(d.virq[port])) {
                        return EINVAL;
                    }
                    // a global VIRQ stays registered on vCPU 0 and is delivered to the notify vCPU
                    d.notifyVcpu[port] = vcpu;
                }
                case UNBOUND, INTERDOMAIN -> d.notifyVcpu[port] = vcpu;
                default -> {
                    return EINVAL;
                }
            }
            return 0;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * {@code EVTCHNOP_reset}: closes every port of {@code dom}. pv-events has no notion of a paused
     * domain, so a privileged caller may reset any domain (Xen additionally requires the target to be
     * paused by its controller); the platform must make sure the target is not running. Ports are closed
     * from 1 upwards in chunks of {@link #TEARDOWN_CHUNK} with the lock released in between (Xen's
     * preemptible {@code evtchn_reset}); if a port is in use when the walk ends (allocated concurrently by
     * another vCPU), the reset fails with {@code -EAGAIN} as Xen's does, and may be retried.
     *
     * @param caller the calling domain
     * @param dom the domain to reset ({@link DomId#SELF} for the caller)
     * @return 0 (every port is closed), or {@code -ESRCH} (no such domain, or destroyed meanwhile),
     *     {@code -EPERM} (unprivileged caller, foreign domain), {@code -EBUSY} (a reset of the domain is
     *     already running), {@code -EAGAIN} (a port was allocated while the reset ran)
     */
    public int reset(int caller, int dom) {
        DomainPorts target;
        lock.writeLock().lock();
        try {
            DomainPorts c = live(caller);
            if (c == null) {
                return ESRCH;
            }
            DomainPorts d = lookup(c, dom & 0xFFFF);
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
            lock.writeLock().unlock();
        }
        boolean completed = false;
        try {
            completed = closeAllInChunks(target);
        } finally {
            lock.writeLock().lock();
            try {
                target.resetting = false;
            } finally {
                lock.writeLock().unlock();
            }
        }
        if (!completed) {
            return ESRCH;
        }
        lock.writeLock().lock();
        try {
            // a port allocated while the reset ran makes it fail (Xen 8d385b247b: -EAGAIN, not success)
            return target.anyInUse() ? EAGAIN : 0;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** A registered domain (alive or being released), or null. */
    private DomainPorts domain(int domid) {
        return domid >= 0 && domid < domains.length ? domains[domid] : null;
    }

    private DomainPorts lookup(DomainPorts caller, int dom) {
        return dom == DomId.SELF ? caller : live(dom);
    }

    /** A registered domain that is not being destroyed, or null (callers then answer {@code -ESRCH}). */
    private DomainPorts live(int domid) {
        DomainPorts d = domain(domid);
        return d != null && d.alive ? d : null;
    }

    /**
     * Closes ports {@code from} .. {@code limit - 1} of {@code d} in chunks of at most {@link #TEARDOWN_CHUNK},
     * taking the write lock per chunk and running the preemption hook between chunks with no lock held.
     *
     * @return false when the domain was destroyed meanwhile (by another thread)
     */
    private boolean closeAllInChunks(DomainPorts d) {
        int p = 1;
        while (p < d.limit) {
            lock.writeLock().lock();
            try {
                if (!d.alive) {
                    return false;
                }
                int end = Math.min(d.limit, p + TEARDOWN_CHUNK);
                for (; p < end; p++) {
                    if (d.state[p] != DomainPorts.FREE) {
                        closeLocked(d, p);
                    }
                }
            } finally {
                lock.writeLock().unlock();
            }
            if (p < d.limit) {
                preemptionHook.run();
            }
        }
        return true;
    }
}
