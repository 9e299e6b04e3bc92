package io.pvkit.hypervisor.internal;

import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.evtchn.EvtchnStatus;
import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.events.ChannelStatus;
import io.pvkit.events.EventChannels;
import io.pvkit.events.spi.VcpuKicker;
import io.pvkit.grant.GrantTables;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * The ONE place where the hypervisor core talks to pv-events' {@link EventChannels} and pv-grant's
 * {@link GrantTables} outside the hypercall adapters: registering a domain, releasing it, the toolstack's
 * port allocation, and the queries behind {@code ResourceCounts}. When the libraries' registration API
 * changes (the agreed shape is {@code addDomain(DomainSpec, ...)} / {@code releaseDomain(domid, budget)}),
 * only this class changes.
 */
public final class LibraryDomains {
    private final EventChannels events;
    private final GrantTables grants;

    /**
     * Wraps the hypervisor's two libraries.
     *
     * @param events the event channels
     * @param grants the grant tables
     */
    public LibraryDomains(EventChannels events, GrantTables grants) {
        this.events = Objects.requireNonNull(events, "events");
        this.grants = Objects.requireNonNull(grants, "grants");
    }

    /** @return the event channels (for the hypercall adapter) */
    public EventChannels events() {
        return events;
    }

    /** @return the grant tables (for the hypercall adapter) */
    public GrantTables grants() {
        return grants;
    }

    /**
     * Registers a domain with both libraries; on failure nothing stays registered.
     *
     * @param spec the domain
     * @param shared what both libraries reach the domain's shared structures through ({@code shared_info}'s
     *     event bits, the grant entries): {@code spec.memory()} itself unless the creator chose a view over the
     *     same bytes ({@code Hypervisor.createDomain(DomainConfig, Function)})
     * @param map where its shared_info and grant frames are
     * @param kicker how to wake its vCPUs
     */
    public void add(DomainSpec spec, MemoryAccess shared, MemoryMap map, VcpuKicker kicker) {
        events.addDomain(spec, shared, map.sharedInfoGfn(), kicker, EventChannels.MAX_PORTS_2L);
        try {
            grants.addDomain(spec, shared, map.grantBaseGfn(), map.grantFrames());
        } catch (RuntimeException e) {
            while (!events.releaseDomain(spec.domid(), Integer.MAX_VALUE)) {
                Thread.onSpinWait(); // a fresh domain has no peers: one call releases it
            }
            throw e;
        }
    }

    /**
     * The first step of teardown: the domain's grants can no longer be mapped or copied, and it maps
     * nothing, while the rest of the teardown (vCPUs, domain 0's backends, views in use) takes its time.
     *
     * @param domid the dying domain
     */
    public void markDying(int domid) {
        grants.markDying(domid);
    }

    /**
     * Releases a domain, a bounded amount of work per call: first its event channels (its peers'
     * interdomain ports become unbound), then its grant state (mappings it holds are released, mappings of
     * its grants held by others are revoked: their segments die and their handles go stale).
     *
     * @param domid the domain
     * @param budget the most grant mappings released in this call
     * @return true when nothing of the domain is left in either library (its memory may be closed)
     */
    public boolean release(int domid, int budget) {
        // both libraries release a bounded amount per call (pv-events: ports, pv-grant: mappings)
        boolean eventsGone = events.releaseDomain(domid, budget);
        boolean grantsGone = grants.releaseDomain(domid, budget);
        return eventsGone && grantsGone;
    }

    /**
     * The toolstack's {@code xc_evtchn_alloc_unbound(domid, remote)}: a port of {@code domid} that only
     * {@code remote} may bind, allocated with the privilege of domain 0.
     *
     * @param domid the domain that gets the port
     * @param remote the domain allowed to bind it
     * @return the port, or a negated errno
     */
    public int allocUnbound(int domid, int remote) {
        return events.allocUnbound(0, domid, remote);
    }

    /**
     * Raises a global VIRQ of a domain.
     *
     * @param domid the domain
     * @param virq the VIRQ
     * @return true when a port was bound
     */
    public boolean raiseVirq(int domid, int virq) {
        return events.raiseVirq(domid, 0, virq);
    }

    /**
     * Raises a VIRQ of a domain: a per-vCPU VIRQ through the port bound on {@code vcpu}, a global one through its
     * port's notify vCPU ({@code vcpu} ignored). Any values may be passed: a VIRQ or vCPU that does not exist, or
     * a VIRQ not bound, sets nothing.
     *
     * @param domid the domain (untrusted)
     * @param vcpu the vCPU of a per-vCPU VIRQ (untrusted)
     * @param virq the VIRQ number (untrusted)
     * @return true when a port was bound and set pending (or was pending already)
     */
    public boolean raiseVirq(int domid, int vcpu, int virq) {
        return events.raiseVirq(domid, vcpu, virq);
    }

    /**
     * The domain at the other end of a port, for statistics.
     *
     * @param domid the port's domain
     * @param port the port (untrusted)
     * @return the receiving domain of a send on this port, or -1
     */
    public int receiverOf(int domid, int port) {
        ChannelStatus s = events.inspect(domid, port);
        if (!s.ok()) {
            return -1;
        }
        return switch (s.state()) {
            case INTERDOMAIN -> s.remoteDom();
            case IPI -> domid;
            default -> -1;
        };
    }

    /**
     * The number of a domain's ports in any state but free (port 0 excluded).
     *
     * @param domid the domain
     * @return the count, 0 for an unknown domain
     */
    public int boundPorts(int domid) {
        int limit = events.portLimit(domid);
        int n = 0;
        for (int p = 1; p < limit; p++) {
            ChannelStatus s = events.inspect(domid, p);
            if (s.ok() && s.state() != EvtchnStatus.CLOSED) {
                n++;
            }
        }
        return n;
    }

    /**
     * The port limit of a domain ({@code SCHEDOP_poll} validates ports against it).
     *
     * @param domid the domain
     * @return the number of ports, 0 for an unknown domain
     */
    public int portLimit(int domid) {
        return events.portLimit(domid);
    }

    /**
     * The grant mappings a domain holds.
     *
     * @param domid the domain
     * @return the count
     */
    public int grantMappings(int domid) {
        return grants.mappingCount(domid);
    }

    /**
     * Grows a domain's grant table to at least {@code frames} frames (add_to_physmap of a grant frame).
     *
     * @param domid the domain
     * @param frames the wanted size
     * @return true on success
     */
    public boolean growGrantTable(int domid, int frames) {
        return grants.setupTable(domid, domid, frames, new long[frames]) == 0;
    }

    /**
     * The memory behind a live host mapping (domain 0's kernel facility).
     *
     * @param mapper the mapping domain
     * @param handle the handle (untrusted)
     * @return the segment, or null
     */
    public MemorySegment grantMapping(int mapper, int handle) {
        return grants.segmentOf(mapper, handle);
    }
}
