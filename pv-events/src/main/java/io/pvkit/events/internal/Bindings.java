package io.pvkit.events.internal;

import io.pvkit.abi.DomId;
import io.pvkit.abi.evtchn.Virq;


import static io.pvkit.events.internal.DomainPorts.FREE;
import static io.pvkit.events.internal.DomainPorts.INTERDOMAIN;
import static io.pvkit.events.internal.DomainPorts.IPI;
import static io.pvkit.events.internal.DomainPorts.RESERVED;
import static io.pvkit.events.internal.DomainPorts.UNBOUND;
import static io.pvkit.events.internal.DomainPorts.VIRQ;
import static io.pvkit.events.internal.Errno.EEXIST;
import static io.pvkit.events.internal.Errno.EINVAL;
import static io.pvkit.events.internal.Errno.ENOENT;
import static io.pvkit.events.internal.Errno.ENOSPC;
import static io.pvkit.events.internal.Errno.EPERM;
import static io.pvkit.events.internal.Errno.ESRCH;

/**
 * Binding and closing ports: {@code alloc_unbound}, {@code bind_interdomain}, {@code bind_virq}, {@code bind_ipi},
 * {@code close} and {@code bind_vcpu} with Xen's checks in Xen's order ({@code xen/common/event_channel.c}).
 *
 * <p>Each operation holds {@link DomainRegistry#changes()} for its whole run (allocation is lowest-free-first,
 * so two binds must not pick the same port) and write-locks every port it changes ({@link ChannelLocks}): both
 * ends of an interdomain pair at once, as Xen's {@code double_evtchn_lock}. A concurrent send therefore sees
 * either the whole old binding or the whole new one.
 */
public final class Bindings {
    private final DomainRegistry registry;

    /**
     * Bindings over the domains of {@code registry}.
     *
     * @param registry the domains
     */
    public Bindings(DomainRegistry registry) {
        this.registry = registry;
    }

    public int allocUnbound(int caller, int dom, int remoteDom) {
        ChangeLock changes = registry.changes();
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
            int port = d.freePort();
            if (port < 0) {
                return ENOSPC;
            }
            if (d != c && !c.privileged) {
                return EPERM;
            }
            int rd = remoteDom & 0xFFFF;
            // ORDERING: a free port gains a binding: fields first, then the state with a release store (no port
            // lock: no reader can be acting on a binding that does not exist yet; see DomainPorts).
            d.remoteDom[port] = rd == DomId.SELF ? c.domid : rd;
            d.publish(port, UNBOUND);
            return port;
        } finally {
            changes.unlock();
        }
    }

    public int bindInterdomain(int caller, int remoteDom, int remotePort) {
        ChangeLock changes = registry.changes();
        changes.lock();
        try {
            DomainPorts ld = registry.live(caller);
            if (ld == null) {
                return ESRCH;
            }
            DomainPorts rd = registry.lookup(ld, remoteDom & 0xFFFF);
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
            // ORDERING: no port lock (see DomainPorts): the local port is free and the remote port unbound, so a
            // reader of either acts on no field written here until it reads the new state, which is published last
            // with a release store. The remote port's remote domain is written with the value it has (the caller)
            // and neither notify vCPU changes, so a reader that still sees UNBOUND reads a consistent binding.
            ld.remoteDom[lport] = rd.domid;
            ld.peer[lport] = rd;
            ld.remotePort[lport] = remotePort;
            ld.notifyVcpu[lport] = 0;
            rd.remoteDom[remotePort] = ld.domid;
            rd.peer[remotePort] = ld;
            rd.remotePort[remotePort] = lport;
            ld.publish(lport, INTERDOMAIN);
            rd.publish(remotePort, INTERDOMAIN);
            // The peer may have sent while the port was unbound (dropped): always mark the local port.
            ld.setPending(lport);
            return lport;
        } finally {
            changes.unlock();
        }
    }

    public int bindVirq(int caller, int virq, int vcpu) {
        ChangeLock changes = registry.changes();
        changes.lock();
        try {
            DomainPorts d = registry.live(caller);
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
            // ORDERING: a free port gains a binding (see DomainPorts); raiseVirq reads virqToPort racily and then
            // re-checks the state under the port's read lock, so the state is published before virqToPort.
            d.notifyVcpu[port] = vcpu;
            d.virq[port] = virq;
            d.publish(port, VIRQ);
            d.virqToPort[vcpu][virq] = port;
            return port;
        } finally {
            changes.unlock();
        }
    }

    public int bindIpi(int caller, int vcpu) {
        ChangeLock changes = registry.changes();
        changes.lock();
        try {
            DomainPorts d = registry.live(caller);
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
            // ORDERING: a free port gains a binding (see DomainPorts)
            d.notifyVcpu[port] = vcpu;
            d.publish(port, IPI);
            return port;
        } finally {
            changes.unlock();
        }
    }

    public int close(int caller, int port) {
        ChangeLock changes = registry.changes();
        changes.lock();
        try {
            DomainPorts d = registry.live(caller);
            if (d == null) {
                return ESRCH;
            }
            return closeLocked(d, port);
        } finally {
            changes.unlock();
        }
    }

    /**
     * Xen's {@code evtchn_close}; the caller holds {@link DomainRegistry#changes()}.
     *
     * @param d the domain
     * @param port the port (any value)
     * @return 0, or {@code -EINVAL} (invalid, free or reserved port)
     */
    public int closeLocked(DomainPorts d, int port) {
        if (!d.valid(port)) {
            return EINVAL;
        }
        // the state only changes under the registry lock, which the caller holds: no port lock needed to read it
        switch (d.state[port]) {
            case FREE, RESERVED -> {
                return EINVAL;
            }
            case VIRQ -> {
                d.locks.writeLock(port);
                try {
                    int virq = d.virq[port];
                    for (int v = 0; v < d.vcpus; v++) {
                        if (d.virqToPort[v][virq] == port) {
                            d.virqToPort[v][virq] = 0;
                        }
                    }
                    d.free(port);
                } finally {
                    d.locks.writeUnlock(port);
                }
            }
            case INTERDOMAIN -> {
                DomainPorts peer = d.peer[port];
                int rport = d.remotePort[port];
                if (peer == null || peer.state[rport] != INTERDOMAIN || peer.peer[rport] != d
                        || peer.remotePort[rport] != port) {
                    throw new IllegalStateException("broken interdomain binding dom" + d.domid + ":" + port);
                }
                // ORDERING: both ends write-locked (Xen's double_evtchn_lock): a send holding the read lock of
                // either end finishes first, and no later send can reach the old peer port.
                ChannelLocks.writeLockBoth(d.locks, port, peer.locks, rport);
                try {
                    d.free(port);
                    peer.state[rport] = UNBOUND;
                    peer.remoteDom[rport] = d.domid;
                    peer.peer[rport] = null;
                    peer.remotePort[rport] = 0;
                } finally {
                    peer.locks.writeUnlock(rport);
                    d.locks.writeUnlock(port);
                }
            }
            default -> {
                // UNBOUND, IPI: nothing else to undo
                d.locks.writeLock(port);
                try {
                    d.free(port);
                } finally {
                    d.locks.writeUnlock(port);
                }
            }
        }
        return 0;
    }

    public int bindVcpu(int caller, int port, int vcpu) {
        ChangeLock changes = registry.changes();
        changes.lock();
        try {
            DomainPorts d = registry.live(caller);
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
                }
                case UNBOUND, INTERDOMAIN -> {
                    // allowed
                }
                default -> {
                    return EINVAL;
                }
            }
            d.locks.writeLock(port);
            try {
                d.notifyVcpu[port] = vcpu;
            } finally {
                d.locks.writeUnlock(port);
            }
            return 0;
        } finally {
            changes.unlock();
        }
    }
}
