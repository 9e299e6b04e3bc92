package io.pvkit.events.internal;

import io.pvkit.abi.evtchn.Virq;
import io.pvkit.events.spi.VcpuKicker;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One domain's port table (Xen's {@code struct evtchn} array plus {@code virq_to_evtchn}) and its allocation.
 *
 * <p>Locking ({@link ChannelLocks}): every field of port {@code p} is written under {@link DomainRegistry#changes()};
 * it is read either under the registry lock (writers) or under {@code p}'s read lock (send, unmask, status).
 * A change that <em>retires</em> a binding (close, bind_vcpu, teardown) is made under {@code p}'s write lock, so it
 * waits for every reader that may still act on the old binding. A change that only <em>publishes</em> a new
 * binding (alloc_unbound, bind_virq and bind_ipi on a free port, bind_interdomain on a free local port and an
 * unbound remote one) takes no port lock: it writes the fields first and then the state with a release store
 * ({@link #publish}), and readers read the state first with an acquire load ({@link #stateOf}), so a reader sees
 * either the old state (and then uses only fields the change leaves as they were: a free port's notify vCPU is
 * 0, an unbound port's remote domain and notify vCPU are what bind_interdomain writes again) or the whole new
 * binding. This is how RCU publishes; Xen takes the write lock there as well, which costs pv-events a fence per
 * port and buys nothing, as no reader can hold a binding that does not exist yet. Two reads are deliberately racy, as in Xen: a sender reads
 * the <em>remote</em> port's notify vCPU ({@code rchn->notify_vcpu_id}), and VIRQ delivery reads
 * {@code virqToPort} before it locks and re-checks the port; every value ever written there is valid.
 */
public final class DomainPorts {
    /** Xen's internal states; the public {@code EvtchnStatus} adds the EVTCHNSTAT mapping. */
    public static final byte FREE = 0;
    public static final byte RESERVED = 1;
    public static final byte UNBOUND = 2;
    public static final byte INTERDOMAIN = 3;
    public static final byte VIRQ = 4;
    public static final byte IPI = 5;

    private static final VarHandle STATE = MethodHandles.arrayElementVarHandle(byte[].class);

    public final int domid;
    public final boolean privileged;
    public final int vcpus;
    public final int limit;
    public final SharedInfoBits bits;
    public final VcpuKicker kicker;
    /** The per-port reader-writer locks. */
    public final ChannelLocks locks;

    public final byte[] state;
    /** UNBOUND: the domain allowed to bind; INTERDOMAIN: the remote domain. */
    public final int[] remoteDom;
    /** INTERDOMAIN: the remote domain's table (what a send marks), else null. */
    public final DomainPorts[] peer;
    /** INTERDOMAIN: the remote port. */
    public final int[] remotePort;
    public final int[] notifyVcpu;
    public final int[] virq;
    /** virqToPort[vcpu][virq]: 0 when unbound. */
    public final int[][] virqToPort;
    /** False from the moment a release starts: every operation of or towards the domain answers -ESRCH. */
    public volatile boolean alive = true;
    /** The next port a {@code releaseDomain} call examines (the release's continuation point); registry lock. */
    public int releaseNext;
    /** An EVTCHNOP_reset of this domain is in progress (Xen's non-zero {@code next_evtchn}); registry lock. */
    public boolean resetting;

    public DomainPorts(int domid, boolean privileged, int vcpus, int limit, SharedInfoBits bits, VcpuKicker kicker) {
        this.domid = domid;
        this.privileged = privileged;
        this.vcpus = vcpus;
        this.limit = limit;
        this.bits = bits;
        this.kicker = kicker;
        this.locks = new ChannelLocks(limit);
        this.state = new byte[limit];
        this.remoteDom = new int[limit];
        this.peer = new DomainPorts[limit];
        this.remotePort = new int[limit];
        this.notifyVcpu = new int[limit];
        this.virq = new int[limit];
        this.virqToPort = new int[vcpus][Virq.NR_VIRQS];
        state[0] = RESERVED;
    }

    /**
     * The state of {@code port} for a reader holding its read lock: an acquire load, ordered before the reads of
     * the port's other fields (pairs with {@link #publish}).
     */
    public byte stateOf(int port) {
        return (byte) STATE.getAcquire(state, port);
    }

    /**
     * Publishes a new binding of {@code port} (free before, or unbound before for the remote end of
     * bind_interdomain): a release store of the state after every other field of the binding was written. The
     * caller holds {@link DomainRegistry#changes()}.
     */
    public void publish(int port, byte newState) {
        STATE.setRelease(state, port, newState);
    }

    /** Xen's {@code port_is_valid}: every port below the ABI limit (all buckets allocated up front). */
    public boolean valid(int port) {
        return port >= 0 && port < limit;
    }

    /** Xen's {@code get_free_port}: the lowest free port, or -1 when none is left. Allocates nothing. */
    public int freePort() {
        for (int p = 1; p < limit; p++) {
            if (state[p] == FREE) {
                return p;
            }
        }
        return -1;
    }

    /**
     * Xen's {@code evtchn_free} after the state-specific part: clears pending, resets to FREE, vCPU 0. The
     * caller holds the port's write lock.
     */
    public void free(int port) {
        // A read first, the atomic clear only when the bit is set: while the port is write-locked no sender can set
        // it (every setter holds the read lock of this port or of its peer, or the registry lock), so a bit read
        // clear stays clear (the guest may set its own bit at any time, as it may right after a clear).
        if (bits.isPending(port)) {
            bits.testAndClearPending(port);
        }
        state[port] = FREE;
        remoteDom[port] = 0;
        peer[port] = null;
        remotePort[port] = 0;
        notifyVcpu[port] = 0;
        virq[port] = 0;
    }

    /**
     * Sets the port pending with Xen's 2-level order and kicks its notify vCPU when needed. The caller holds
     * the read lock of this port or of its interdomain peer (or the registry lock), so the port stays bound.
     */
    public void setPending(int port) {
        // ORDERING: racy read when the caller locked the peer port (Xen reads rchn->notify_vcpu_id unlocked):
        // the value is one a bind_vcpu wrote, always a valid vCPU of this domain.
        int v = notifyVcpu[port];
        if (bits.setPending(port, v)) {
            kicker.kick(v);
        }
    }

    /** Xen's {@code evtchn_2l_unmask} on the port's notify vCPU; the caller holds the port's read lock. */
    public void unmask(int port) {
        int v = notifyVcpu[port];
        if (bits.unmask(port, v)) {
            kicker.kick(v);
        }
    }

    /** Whether any port other than the reserved port 0 is in use. */
    public boolean anyInUse() {
        for (int p = 1; p < limit; p++) {
            if (state[p] != FREE) {
                return true;
            }
        }
        return false;
    }

    public int countInState(byte s) {
        int n = 0;
        for (byte b : state) {
            if (b == s) {
                n++;
            }
        }
        return n;
    }

    @Override
    public String toString() {
        return "DomainPorts[dom" + domid + ", limit " + limit + ", used " + (limit - countInState(FREE)) + "]"
                + (alive ? "" : " dead");
    }
}
