package io.pvkit.events;

import io.pvkit.abi.DomId;
import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.evtchn.SharedInfoLayout;
import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.events.internal.Bindings;
import io.pvkit.events.internal.Delivery;
import io.pvkit.events.internal.DomainPorts;
import io.pvkit.events.internal.DomainRegistry;
import io.pvkit.events.internal.SendEvent;
import io.pvkit.events.internal.SharedInfoBits;
import io.pvkit.events.internal.Statuses;
import io.pvkit.events.internal.Teardown;
import io.pvkit.events.spi.VcpuKicker;

import java.util.Objects;

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
 * <p>Thread safety and locking, as Xen's per-channel locks: every port has its own reader-writer lock.
 * {@code send}, {@code unmask}, {@code status} and VIRQ delivery take the read lock of the one port they act on
 * and no lock shared between domains, so guests sending on their own channels do not serialise. Binding changes
 * (alloc, bind, close, bind_vcpu, reset, release) are serialised by one lock. Those that end or change a binding
 * (close, bind_vcpu, reset, release) write-lock every port they change, both ends of an interdomain channel at
 * once: a send racing a close of either end delivers to the binding it found (the close waits for it) or finds
 * the port closed, never a port closed and reused meanwhile. Those that only create a binding publish it whole
 * (its fields before its state, with release/acquire ordering), so a concurrent reader sees the port as it was or
 * the complete new binding.
 * The {@link VcpuKicker} is called with a port lock held and must not block.
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

    /**
     * The most ports {@link #reset} and {@link #releaseDomain} close under one hold of the lock (Xen
     * checks for preemption every 64 ports); between chunks the lock is released, so other domains'
     * operations are never blocked for a whole teardown (XSA-344).
     */
    public static final int TEARDOWN_CHUNK = Teardown.CHUNK;

    private final DomainRegistry registry = new DomainRegistry();
    private final Bindings bindings = new Bindings(registry);
    private final Teardown teardown = new Teardown(registry, bindings);
    private final Delivery delivery = new Delivery(registry);
    private final Statuses statuses = new Statuses(registry);

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
        teardown.onPreemptionPoint(hook);
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
        addDomain(spec, spec.memory(), sharedInfoGfn, kicker, portLimit);
    }

    /**
     * Adds a domain whose {@code shared_info} is reached through {@code sharedInfo}: every access pv-events makes
     * to the domain's event-channel bits (pending and mask words, each {@code vcpu_info}'s selector and
     * {@code evtchn_upcall_pending}, which the guest may rewrite at any time) goes through that seam. Pass
     * {@code spec.memory()} itself in production (what the other {@code addDomain} overloads do); a test passes a
     * view that stands between the hypervisor and the page, such as the conformance kit's {@code HostileMemory},
     * to count the accesses and to act at a chosen access inside an operation (another vCPU's call while a send
     * is between two of its accesses). The send path costs the same either way: it always reaches
     * {@code shared_info} through {@link MemoryAccess}, and a process that only ever passes {@link
     * io.pvkit.abi.memory.GuestMemory} keeps that call site monomorphic.
     *
     * @param spec the domain: id, memory, vCPU count (1..32) and privilege
     * @param sharedInfo the accesses to the domain's {@code shared_info}; it must address the same bytes as
     *     {@code spec.memory()} (same size, same contents)
     * @param sharedInfoGfn the frame of the domain's memory that holds its {@code shared_info}
     * @param kicker how to wake the domain's vCPUs
     * @param portLimit the number of ports (ports {@code 0..portLimit-1}), 2..4096
     * @throws IllegalArgumentException on a bad frame or limit, or when {@code sharedInfo} has another size than
     *     the domain's memory
     * @throws IllegalStateException when the id is already registered
     */
    public void addDomain(DomainSpec spec, MemoryAccess sharedInfo, long sharedInfoGfn, VcpuKicker kicker,
            int portLimit) {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(sharedInfo, "sharedInfo");
        Objects.requireNonNull(kicker, "kicker");
        if (portLimit < 2 || portLimit > MAX_PORTS_2L) {
            throw new IllegalArgumentException("port limit must be 2.." + MAX_PORTS_2L + ", got " + portLimit);
        }
        if (sharedInfo.byteSize() != spec.memory().byteSize()) {
            throw new IllegalArgumentException("the shared_info view has " + sharedInfo.byteSize()
                    + " bytes, the domain's memory " + spec.memory().byteSize() + ": not a view of the same memory");
        }
        SharedInfoBits bits;
        try {
            bits = new SharedInfoBits(sharedInfo, sharedInfoGfn, spec.vcpus());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("bad shared_info frame " + sharedInfoGfn + " for " + spec, e);
        }
        DomainPorts d = new DomainPorts(spec.domid(), spec.privileged(), spec.vcpus(), portLimit, bits, kicker);
        registry.changes().lock();
        try {
            registry.add(d);
        } finally {
            registry.changes().unlock();
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
        return registry.domain(domid) != null;
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
        return teardown.releaseDomain(domid, budget);
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
        return delivery.raiseVirq(domid, vcpu, virq);
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
        return statuses.inspect(domid, port);
    }

    /**
     * The port limit of a domain.
     *
     * @param domid the domain
     * @return the number of ports, or 0 when the domain is not registered
     */
    public int portLimit(int domid) {
        DomainPorts d = registry.domain(domid);
        return d == null ? 0 : d.limit;
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
        return bindings.allocUnbound(caller, dom, remoteDom);
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
        return bindings.bindInterdomain(caller, remoteDom, remotePort);
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
        return bindings.bindVirq(caller, virq, vcpu);
    }

    /**
     * {@code EVTCHNOP_bind_ipi}.
     *
     * @param caller the calling domain
     * @param vcpu the vCPU to notify
     * @return the port, or {@code -ENOENT} (no such vCPU), {@code -ENOSPC}
     */
    public int bindIpi(int caller, int vcpu) {
        return bindings.bindIpi(caller, vcpu);
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
        return bindings.close(caller, port);
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
        if (!SendEvent.COMPILED_IN) {
            return delivery.send(caller, port);
        }
        final SendEvent event = new SendEvent();
        if (event.isEnabled()) {
            event.begin();
        }
        final int result = delivery.send(caller, port);
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
        return statuses.status(caller, dom, port);
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
        return delivery.unmask(caller, port);
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
        return bindings.bindVcpu(caller, port, vcpu);
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
        return teardown.reset(caller, dom);
    }
}
