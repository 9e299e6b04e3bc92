package io.pvkit.events.internal;

import io.pvkit.abi.evtchn.EvtchnStatus;
import io.pvkit.events.ChannelStatus;

import static io.pvkit.events.internal.DomainPorts.INTERDOMAIN;
import static io.pvkit.events.internal.DomainPorts.IPI;
import static io.pvkit.events.internal.DomainPorts.UNBOUND;
import static io.pvkit.events.internal.DomainPorts.VIRQ;
import static io.pvkit.events.internal.Errno.EINVAL;
import static io.pvkit.events.internal.Errno.EPERM;
import static io.pvkit.events.internal.Errno.ESRCH;

/**
 * Reading one port's binding: {@code EVTCHNOP_status} (with Xen's permission check) and the platform's
 * unchecked {@code inspect}. The fields are read under the port's read lock, so the answer is one binding,
 * never half of an old one and half of a new one.
 */
public final class Statuses {
    private final DomainRegistry registry;

    /**
     * Status reads over the domains of {@code registry}.
     *
     * @param registry the domains
     */
    public Statuses(DomainRegistry registry) {
        this.registry = registry;
    }

    public ChannelStatus status(int caller, int dom, int port) {
        DomainPorts c = registry.live(caller);
        if (c == null) {
            return ChannelStatus.failed(ESRCH);
        }
        DomainPorts d = registry.lookup(c, dom & 0xFFFF);
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
    }

    public ChannelStatus inspect(int domid, int port) {
        DomainPorts d = registry.domain(domid);
        if (d == null) {
            return ChannelStatus.failed(ESRCH);
        }
        return d.valid(port) ? statusOf(d, port) : ChannelStatus.failed(EINVAL);
    }

    private static ChannelStatus statusOf(DomainPorts d, int port) {
        d.locks.readLock(port);
        try {
            // ORDERING: the state first (acquire), then the fields of that binding: a free port may be gaining a
            // binding meanwhile (published without the port lock, see DomainPorts), so a free port's fields are not
            // read at all (its notify vCPU is always 0).
            final byte state = d.stateOf(port);
            return switch (state) {
                case UNBOUND -> new ChannelStatus(0, EvtchnStatus.UNBOUND, d.notifyVcpu[port], d.remoteDom[port], 0, 0);
                case INTERDOMAIN -> new ChannelStatus(0, EvtchnStatus.INTERDOMAIN, d.notifyVcpu[port],
                        d.remoteDom[port], d.remotePort[port], 0);
                case VIRQ -> new ChannelStatus(0, EvtchnStatus.VIRQ, d.notifyVcpu[port], 0, 0, d.virq[port]);
                case IPI -> new ChannelStatus(0, EvtchnStatus.IPI, d.notifyVcpu[port], 0, 0, 0);
                default -> new ChannelStatus(0, EvtchnStatus.CLOSED, 0, 0, 0, 0);
            };
        } finally {
            d.locks.readUnlock(port);
        }
    }
}
