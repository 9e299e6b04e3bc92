package io.pvkit.conformance.evtchn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pvkit.abi.DomId;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.evtchn.EvtchnOp;
import io.pvkit.abi.evtchn.EvtchnStatus;
import io.pvkit.abi.evtchn.SharedInfoLayout;
import io.pvkit.abi.evtchn.VcpuInfoLayout;
import io.pvkit.abi.evtchn.Virq;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.conformance.RuleCatalogue;
import io.pvkit.conformance.property.Property;
import io.pvkit.conformance.property.PropertyFailure;
import io.pvkit.conformance.selftest.Outcome;
import io.pvkit.conformance.selftest.SelfTest;
import io.pvkit.conformance.selftest.SelfTestReport;
import io.pvkit.conformance.spi.DomainUnderTest;
import io.pvkit.conformance.spi.HypervisorUnderTest;
import io.pvkit.events.ChannelStatus;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Each EVT rule catches a deliberately broken pv-events (one bug each); the correct one passes all. */
class EventChannelVerificationSelfTest {
    static final long EINVAL = XenErrno.EINVAL.negated();
    /** Seeds of EVT-17 known to catch Evt11 / Evt13 (found with random seeds); the correct one stays random. */
    static final long BASE_SEED = 20261130L;
    static final long EVT11_SEED = 4955664480963944230L;
    static final long EVT13_SEED = 4643849055029836612L;

    static long pendingWord(int port) {
        return SharedInfoLayout.EVTCHN_PENDING_OFFSET + (port >>> 6) * 8L;
    }

    /** Whether the {@code domid_t} at {@code arg} names the caller itself. */
    static boolean namesSelf(io.pvkit.abi.hypercall.HypercallContext c, long arg) {
        int dom = Short.toUnsignedInt(c.memory().getShort(arg));
        return dom == DomId.SELF || dom == c.domid();
    }

    static long vcpuInfo(int vcpu) {
        return SharedInfoLayout.vcpuInfoOffset(vcpu);
    }

    // ------------------------------------------------------------------ one bug each

    static final EventsHypervisor.Bug ENOSPC_AS_ENOMEM = (hv, c, op, arg, ok) -> {
        long r = ok.getAsLong();
        return r == XenErrno.ENOSPC.negated() ? XenErrno.ENOMEM.negated() : r;
    };

    /** bind_interdomain at exhaustion returns -ENOSPC but frees the caller's highest port on the way out. */
    static final EventsHypervisor.Bug ENOSPC_FREES_A_PORT = (hv, c, op, arg, ok) -> {
        long r = ok.getAsLong();
        if (op == EvtchnOp.BIND_INTERDOMAIN && r == XenErrno.ENOSPC.negated()) {
            hv.channels.close(c.domid(), hv.channels.portLimit(c.domid()) - 1);
        }
        return r;
    };

    static final EventsHypervisor.Bug SEND_ON_FREE_PORT_SUCCEEDS = (hv, c, op, arg, ok) -> {
        long r = ok.getAsLong();
        return op == EvtchnOp.SEND && r == EINVAL ? 0 : r;
    };

    static final EventsHypervisor.Bug STATUS_BEYOND_LIMIT_FABRICATED = (hv, c, op, arg, ok) -> {
        if (op == EvtchnOp.STATUS && Integer.compareUnsigned(c.memory().getInt(arg + 4), 4096) >= 0) {
            c.memory().setInt(arg + 8, EvtchnStatus.CLOSED.code());
            return 0;
        }
        return ok.getAsLong();
    };

    static final EventsHypervisor.Bug CLOSE_KEEPS_PENDING = (hv, c, op, arg, ok) -> {
        if (op != EvtchnOp.CLOSE) {
            return ok.getAsLong();
        }
        int port = c.memory().getInt(arg);
        long word = port > 0 && port < 4096 ? c.memory().getLong(pendingWord(port)) : 0;
        long r = ok.getAsLong();
        if (r == 0) {
            c.memory().getAndBitwiseOrLong(pendingWord(port), word & (1L << (port & 63)));
        }
        return r;
    };

    /**
     * A close of a VIRQ port that frees the port but leaves the VIRQ registered on the vCPU it was bound on (the
     * {@code virq_to_evtchn} entry is not cleared): the VIRQ can never be bound there again ({@code -EEXIST}). One
     * instance per hypervisor (it remembers the stale entries).
     */
    static EventsHypervisor.Bug closedVirqStaysRegistered() {
        Set<List<Integer>> stale = java.util.concurrent.ConcurrentHashMap.newKeySet();
        return (hv, c, op, arg, ok) -> {
            if (op == EvtchnOp.CLOSE && c.memory().contains(arg, 4)) {
                ChannelStatus s = hv.channels.inspect(c.domid(), c.memory().getInt(arg));
                long r = ok.getAsLong();
                if (r == 0 && s.state() == EvtchnStatus.VIRQ) {
                    boolean perVcpu = Virq.of(s.virq()).map(Virq::perVcpu).orElse(false);
                    stale.add(List.of(c.domid(), s.virq(), perVcpu ? s.vcpu() : 0));
                }
                return r;
            }
            if (op == EvtchnOp.BIND_VIRQ && c.memory().contains(arg, 8)
                    && stale.contains(List.of(c.domid(), c.memory().getInt(arg), c.memory().getInt(arg + 4)))) {
                return XenErrno.EEXIST.negated();
            }
            return ok.getAsLong();
        };
    }

    /**
     * A racy reset: snapshots the ports in use, lets go of the domain at a preemption point (where EVT-05's probe
     * makes another vCPU allocate a port), then closes only the snapshot and reports success, so a port allocated
     * meanwhile survives above free ones.
     */
    static final EventsHypervisor.Bug RESET_CLOSES_A_SNAPSHOT = (hv, c, op, arg, ok) -> {
        if (op != EvtchnOp.RESET || !namesSelf(c, arg)) {
            return ok.getAsLong();   // a reset of another domain goes the correct way (EVT-10's -ESRCH)
        }
        if (!hv.resetsRunning.add(c.domid())) {
            return XenErrno.EBUSY.negated();   // a second reset while this one runs is refused, as Xen does
        }
        try {
            List<Integer> snapshot = inUse(hv, c.domid());
            hv.preemptionPoint();
            for (int p : snapshot) {
                hv.channels.close(c.domid(), p);
            }
            return 0;
        } finally {
            hv.resetsRunning.remove(c.domid());
        }
    };

    static List<Integer> inUse(EventsHypervisor hv, int domid) {
        List<Integer> out = new java.util.ArrayList<>();
        for (int p = 1; p < 4096; p++) {
            if (hv.channels.inspect(domid, p).state() != EvtchnStatus.CLOSED) {
                out.add(p);
            }
        }
        return out;
    }

    /** Closes every port correctly, but in one go: no preemption point. */
    static final EventsHypervisor.Bug RESET_IN_ONE_GO = (hv, c, op, arg, ok) -> {
        if (op != EvtchnOp.RESET || !namesSelf(c, arg)) {
            return ok.getAsLong();   // a reset of another domain goes the correct way (EVT-10's -ESRCH)
        }
        for (int p = 1; p < 4096; p++) {
            hv.channels.close(c.domid(), p);
        }
        return 0;
    };

    static final EventsHypervisor.Bug RESET_STOPS_AT_1024 = (hv, c, op, arg, ok) -> {
        if (op != EvtchnOp.RESET || !namesSelf(c, arg)) {
            return ok.getAsLong();   // a reset of another domain goes the correct way (EVT-10's -ESRCH)
        }
        for (int p = 1; p < 1024; p++) {
            hv.channels.close(c.domid(), p);
        }
        return 0;
    };

    static final EventsHypervisor.Bug FIFO_ACCEPTED_BLINDLY = (hv, c, op, arg, ok) ->
            op == EvtchnOp.INIT_CONTROL || op == EvtchnOp.EXPAND_ARRAY ? 0 : ok.getAsLong();

    /** Counting semantics: every send re-raises the selector and upcall_pending. */
    static final EventsHypervisor.Bug SEND_COUNTS = (hv, c, op, arg, ok) -> {
        long r = ok.getAsLong();
        if (op == EvtchnOp.SEND && r == 0) {
            ChannelStatus s = hv.channels.inspect(c.domid(), c.memory().getInt(arg));
            if (s.state() == EvtchnStatus.INTERDOMAIN) {
                ChannelStatus remote = hv.channels.inspect(s.remoteDom(), s.remotePort());
                GuestMemory m = hv.memoryOf(s.remoteDom());
                m.getAndBitwiseOrLong(vcpuInfo(remote.vcpu()) + VcpuInfoLayout.PENDING_SEL_OFFSET, 1L << (s.remotePort() >>> 6));
                m.getAndBitwiseOrByte(vcpuInfo(remote.vcpu()) + VcpuInfoLayout.UPCALL_PENDING_OFFSET, 1);
            }
        }
        return r;
    };

    /** Unmask only clears the mask bit; a pending event is never re-raised. */
    static final EventsHypervisor.Bug UNMASK_WITHOUT_RAISE = (hv, c, op, arg, ok) -> {
        if (op != EvtchnOp.UNMASK) {
            return ok.getAsLong();
        }
        int port = c.memory().getInt(arg);
        if (port <= 0 || port >= 4096) {
            return EINVAL;
        }
        c.memory().getAndBitwiseAndLong(SharedInfoLayout.EVTCHN_MASK_OFFSET + (port >>> 6) * 8L, ~(1L << (port & 63)));
        return 0;
    };

    /** alloc_unbound for another domain is done with dom0's privilege. */
    static final EventsHypervisor.Bug ALLOC_FOR_OTHERS = (hv, c, op, arg, ok) -> {
        if (op == EvtchnOp.ALLOC_UNBOUND) {
            int dom = Short.toUnsignedInt(c.memory().getShort(arg));
            if (dom != DomId.SELF && dom != c.domid()) {
                int port = hv.channels.allocUnbound(0, dom, Short.toUnsignedInt(c.memory().getShort(arg + 2)));
                if (port > 0) {
                    c.memory().setInt(arg + 4, port);
                    return 0;
                }
                return port;
            }
        }
        return ok.getAsLong();
    };

    /** alloc_unbound, status and reset check privilege before looking the named domain up (-EPERM, not -ESRCH). */
    static final EventsHypervisor.Bug PRIVILEGE_BEFORE_LOOKUP = (hv, c, op, arg, ok) -> {
        if (op == EvtchnOp.ALLOC_UNBOUND || op == EvtchnOp.STATUS || op == EvtchnOp.RESET) {
            int dom = Short.toUnsignedInt(c.memory().getShort(arg));
            if (dom != DomId.SELF && dom != c.domid() && !hv.channels.hasDomain(dom)) {
                return XenErrno.EPERM.negated();
            }
        }
        return ok.getAsLong();
    };

    /** bind_ipi to vCPU -1 (a vCPU the domain does not have) binds it to vCPU 0 instead of answering -ENOENT. */
    static final EventsHypervisor.Bug IPI_TO_ANY_VCPU = (hv, c, op, arg, ok) -> {
        if (op == EvtchnOp.BIND_IPI) {
            int vcpu = c.memory().getInt(arg);
            if (vcpu < 0) {
                c.memory().setInt(arg, 0);
            }
        }
        return ok.getAsLong();
    };

    /** bind_interdomain forgets the conservative pending bit on the local port. */
    static final EventsHypervisor.Bug BIND_NOT_PENDING = (hv, c, op, arg, ok) -> {
        long r = ok.getAsLong();
        if (op == EvtchnOp.BIND_INTERDOMAIN && r == 0) {
            int port = c.memory().getInt(arg + 8);
            c.memory().getAndBitwiseAndLong(pendingWord(port), ~(1L << (port & 63)));
            c.memory().getAndBitwiseAndByte(vcpuInfo(0) + VcpuInfoLayout.UPCALL_PENDING_OFFSET, 0);
        }
        return r;
    };

    static final EventsHypervisor.Bug SEND_UNBOUND_EINVAL = (hv, c, op, arg, ok) -> {
        if (op == EvtchnOp.SEND
                && hv.channels.inspect(c.domid(), c.memory().getInt(arg)).state() == EvtchnStatus.UNBOUND) {
            return EINVAL;
        }
        return ok.getAsLong();
    };

    static final EventsHypervisor.Bug CLOSE_CLOSES_PEER = (hv, c, op, arg, ok) -> {
        if (op != EvtchnOp.CLOSE) {
            return ok.getAsLong();
        }
        ChannelStatus s = hv.channels.inspect(c.domid(), c.memory().getInt(arg));
        long r = ok.getAsLong();
        if (r == 0 && s.state() == EvtchnStatus.INTERDOMAIN) {
            hv.channels.close(s.remoteDom(), s.remotePort());
        }
        return r;
    };

    /** send raises pending and the selector but never evtchn_upcall_pending. */
    static final EventsHypervisor.Bug NO_UPCALL_PENDING = (hv, c, op, arg, ok) -> {
        long r = ok.getAsLong();
        if (op == EvtchnOp.SEND && r == 0) {
            ChannelStatus s = hv.channels.inspect(c.domid(), c.memory().getInt(arg));
            if (s.state() == EvtchnStatus.INTERDOMAIN) {
                int v = hv.channels.inspect(s.remoteDom(), s.remotePort()).vcpu();
                hv.memoryOf(s.remoteDom()).getAndBitwiseAndByte(vcpuInfo(v) + VcpuInfoLayout.UPCALL_PENDING_OFFSET, 0);
            }
        }
        return r;
    };

    static final EventsHypervisor.Bug CLOSE_PORT_ZERO = (hv, c, op, arg, ok) ->
            op == EvtchnOp.CLOSE && c.memory().getInt(arg) == 0 ? 0 : ok.getAsLong();

    /**
     * No range check on send, unmask, close and bind_vcpu: the port indexes the port table, and a catch-all turns
     * the out-of-bounds exception into {@code -EINVAL} (reported to the error handler, as pv-events' does). The
     * guest sees Xen's answer; only the {@code unexpectedErrors} hook shows the hidden bug.
     */
    static final EventsHypervisor.Bug RANGE_CHECK_BY_EXCEPTION = (hv, c, op, arg, ok) -> {
        if (op == EvtchnOp.SEND || op == EvtchnOp.UNMASK || op == EvtchnOp.CLOSE || op == EvtchnOp.BIND_VCPU) {
            int[] table = new int[hv.channels.portLimit(c.domid())];
            int port = c.memory().getInt(arg);
            try {
                table[port]++;
            } catch (ArrayIndexOutOfBoundsException e) {
                hv.reportError(e);
                return EINVAL;
            }
        }
        return ok.getAsLong();
    };

    /**
     * Every operation passes a re-entrant lock on entry (taken and released before the operation proper, so no
     * preemption point is ever reached with it held), but bind_virq's {@code -EEXIST} path takes it again and
     * returns without releasing it: the calling thread never notices (re-entrant), every other vCPU blocks on its
     * next call.
     */
    static final EventsHypervisor.Bug EEXIST_KEEPS_THE_LOCK = (hv, c, op, arg, ok) -> {
        try {
            hv.bugLock.lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return XenErrno.EINTR.negated();
        }
        hv.bugLock.unlock();
        long r = ok.getAsLong();
        if (op == EvtchnOp.BIND_VIRQ && r == XenErrno.EEXIST.negated()) {
            hv.bugLock.lock();   // the bug: the error path's lock is never released
        }
        return r;
    };

    /**
     * A domain being destroyed still gets ports: bind_ipi of a caller that is no longer live answers success (the
     * port written out is one of the table being freed).
     */
    static final EventsHypervisor.Bug DYING_DOMAIN_ALLOCATES = (hv, c, op, arg, ok) -> {
        long r = ok.getAsLong();
        if (op == EvtchnOp.BIND_IPI && r == XenErrno.ESRCH.negated() && hv.channels.hasDomain(c.domid())) {
            c.memory().setInt(arg + 4, 1);
            return 0;
        }
        return r;
    };

    /**
     * A send kicks the target vCPU whenever it set a port's pending bit, without looking at the mask, the selector
     * or evtchn_upcall_pending (the flags in shared_info are still set as Xen does).
     */
    static final EventsHypervisor.Bug KICK_ON_EVERY_NEW_PENDING = (hv, c, op, arg, ok) -> {
        if (op != EvtchnOp.SEND || !c.memory().contains(arg, 4)) {
            return ok.getAsLong();
        }
        ChannelStatus s = hv.channels.inspect(c.domid(), c.memory().getInt(arg));
        if (s.state() != EvtchnStatus.INTERDOMAIN) {
            return ok.getAsLong();
        }
        GuestMemory m = hv.memoryOf(s.remoteDom());
        long bit = 1L << (s.remotePort() & 63);
        boolean was = (m.getLongVolatile(pendingWord(s.remotePort())) & bit) != 0;
        long r = ok.getAsLong();
        if (r == 0 && !was && (m.getLongVolatile(pendingWord(s.remotePort())) & bit) != 0) {
            hv.kick(s.remoteDom(), hv.channels.inspect(s.remoteDom(), s.remotePort()).vcpu());
        }
        return r;
    };

    /** A failed copy-in of the argument structure answered with -EINVAL instead of -EFAULT. */
    static final EventsHypervisor.Bug EFAULT_AS_EINVAL = (hv, c, op, arg, ok) -> {
        long r = ok.getAsLong();
        return r == XenErrno.EFAULT.negated() ? EINVAL : r;
    };

    /**
     * The selector bit is computed with an int shift ({@code 1 << word} instead of {@code 1L << word}): right
     * for ports below 31 * 64, wrong (bit {@code word % 32}, sign-extended) for selector words 31..63.
     */
    static final EventsHypervisor.Bug INT_SHIFT_SELECTOR = (hv, c, op, arg, ok) -> {
        long r = ok.getAsLong();
        if (r != 0 || (op != EvtchnOp.SEND && op != EvtchnOp.UNMASK)) {
            return r;
        }
        int port = c.memory().getInt(arg);
        ChannelStatus s = hv.channels.inspect(c.domid(), port);
        int domid = c.domid();
        if (op == EvtchnOp.SEND && s.state() == EvtchnStatus.INTERDOMAIN) {
            domid = s.remoteDom();
            port = s.remotePort();
        } else if (op == EvtchnOp.SEND && s.state() != EvtchnStatus.IPI) {
            return r;
        }
        int word = port >>> 6;
        if (word >= 31) {
            GuestMemory m = hv.memoryOf(domid);
            long sel = vcpuInfo(hv.channels.inspect(domid, port).vcpu()) + VcpuInfoLayout.PENDING_SEL_OFFSET;
            if ((m.getAndBitwiseAndLong(sel, ~(1L << word)) & (1L << word)) != 0) {
                m.getAndBitwiseOrLong(sel, (long) (1 << word));
            }
        }
        return r;
    };

    /**
     * A send sets pending, the selector bit and evtchn_upcall_pending as Xen does, but never kicks the vCPU (the kick
     * is lost): a vCPU halted waiting for its upcall never wakes up. (pv-events' mutant: {@code kicker.kick(v)}
     * removed from {@code DomainPorts.setPending}.)
     */
    static final EventsHypervisor.Bug SEND_DOES_NOT_KICK = (hv, c, op, arg, ok) ->
            op == EvtchnOp.SEND ? hv.withoutKicks(ok) : ok.getAsLong();

    /**
     * A reset that finds a port allocated while it ran still open answers 0 instead of -EAGAIN (pv-events' mutant:
     * {@code anyInUse()} answering false).
     */
    static final EventsHypervisor.Bug RESET_HIDES_EAGAIN = (hv, c, op, arg, ok) -> {
        long r = ok.getAsLong();
        return op == EvtchnOp.RESET && r == XenErrno.EAGAIN.negated() ? 0 : r;
    };

    /**
     * A reset started while another reset of the same domain runs (at its preemption point) is not refused with
     * -EBUSY: it closes every port of the domain at once and answers 0 (pv-events' mutant: the {@code resetting}
     * check removed from {@code Teardown.reset}).
     */
    static final EventsHypervisor.Bug RESETS_NEST = (hv, c, op, arg, ok) -> {
        if (op != EvtchnOp.RESET || !namesSelf(c, arg)) {
            return ok.getAsLong();
        }
        if (!hv.resetsRunning.add(c.domid())) {
            for (int p = 1; p < 4096; p++) {
                hv.channels.close(c.domid(), p);
            }
            return 0;
        }
        try {
            return ok.getAsLong();
        } finally {
            hv.resetsRunning.remove(c.domid());
        }
    };

    /**
     * Unmask of a masked pending port always kicks its notify vCPU, even when evtchn_upcall_pending was already set
     * (the flags in shared_info are set as Xen does): pv-events' mutant {@code SharedInfoBits.unmask} answering true.
     */
    static final EventsHypervisor.Bug UNMASK_KICKS_WHATEVER_THE_FLAG = (hv, c, op, arg, ok) -> {
        int port = op == EvtchnOp.UNMASK ? c.memory().getInt(arg) : 0;
        if (port <= 0 || port >= 4096) {
            return ok.getAsLong();
        }
        GuestMemory m = c.memory();
        long bit = 1L << (port & 63);
        boolean masked = (m.getLongVolatile(SharedInfoLayout.EVTCHN_MASK_OFFSET + (port >>> 6) * 8L) & bit) != 0;
        boolean pending = (m.getLongVolatile(pendingWord(port)) & bit) != 0;
        int v = hv.channels.inspect(c.domid(), port).vcpu();
        long before = hv.kicks(c.domid(), v);
        long r = ok.getAsLong();
        if (r == 0 && masked && pending && before >= 0 && hv.kicks(c.domid(), v) == before) {
            hv.kick(c.domid(), v);
        }
        return r;
    };

    /**
     * A domain table of 16 slots that never grows: alloc_unbound, status and reset naming a domain id from 16 on, and
     * bind_interdomain to such a domain, answer -ESRCH as if it did not exist.
     */
    static final EventsHypervisor.Bug SIXTEEN_DOMAIN_SLOTS = (hv, c, op, arg, ok) -> {
        if (op == EvtchnOp.ALLOC_UNBOUND || op == EvtchnOp.STATUS || op == EvtchnOp.RESET
                || op == EvtchnOp.BIND_INTERDOMAIN) {
            int dom = Short.toUnsignedInt(c.memory().getShort(arg));
            if (dom != DomId.SELF && dom >= 16) {
                return XenErrno.ESRCH.negated();
            }
        }
        return ok.getAsLong();
    };

    /**
     * Unmask of a masked port that is not pending raises the upcall anyway (the selector bit and evtchn_upcall_pending
     * of its notify vCPU, and a kick): as if the pending test were left out (pv-events' mutant: {@code isPending}
     * answering true in {@code SharedInfoBits.unmask}). Unmasking a pending port is done right.
     */
    static final EventsHypervisor.Bug UNMASK_RAISES_WHEN_NOT_PENDING = (hv, c, op, arg, ok) -> {
        int port = op == EvtchnOp.UNMASK ? c.memory().getInt(arg) : 0;
        if (port <= 0 || port >= 4096) {
            return ok.getAsLong();
        }
        GuestMemory m = c.memory();
        long bit = 1L << (port & 63);
        boolean masked = (m.getLongVolatile(SharedInfoLayout.EVTCHN_MASK_OFFSET + (port >>> 6) * 8L) & bit) != 0;
        boolean pending = (m.getLongVolatile(pendingWord(port)) & bit) != 0;
        long r = ok.getAsLong();
        if (r == 0 && masked && !pending) {
            int v = hv.channels.inspect(c.domid(), port).vcpu();
            long sel = 1L << (port >>> 6);
            boolean selWasSet = (m.getAndBitwiseOrLong(vcpuInfo(v) + VcpuInfoLayout.PENDING_SEL_OFFSET, sel) & sel) != 0;
            if (!selWasSet && (m.getAndBitwiseOrByte(vcpuInfo(v) + VcpuInfoLayout.UPCALL_PENDING_OFFSET, 1) & 1) == 0) {
                hv.kick(c.domid(), v);
            }
        }
        return r;
    };

    /**
     * A send that delivers without the port's lock: it reads the binding (through the platform's status query) and
     * then marks {@code shared_info} itself, Xen's 2-level order and kick exactly, through the view pv-events uses
     * for the target domain. Every single-threaded result is right; a close of the port can complete while the send
     * is still delivering (pv-events' mutants: {@code ChannelLocks.readLock} not backing off, {@code writeLock}
     * not waiting for the readers).
     */
    static final EventsHypervisor.Bug SEND_WITHOUT_LOCK = (hv, c, op, arg, ok) -> {
        int port = op == EvtchnOp.SEND ? c.memory().getInt(arg) : 0;
        if (port <= 0 || port >= 4096) {
            return ok.getAsLong();
        }
        ChannelStatus s = hv.channels.inspect(c.domid(), port);
        int domid;
        int target;
        if (s.state() == EvtchnStatus.IPI) {
            domid = c.domid();
            target = port;
        } else if (s.state() == EvtchnStatus.INTERDOMAIN) {
            domid = s.remoteDom();
            target = s.remotePort();
        } else {
            return ok.getAsLong();
        }
        markPendingUnlocked(hv, domid, target, hv.channels.inspect(domid, target).vcpu());
        return 0;
    };

    /**
     * Xen's {@code evtchn_2l_set_pending} of {@code target} on vCPU {@code v} of {@code domid}, made by a planted bug
     * itself through the view pv-events uses for that domain, without any of pv-events' locks (the domain gone: dropped).
     */
    static void markPendingUnlocked(EventsHypervisor hv, int domid, int target, int v) {
        io.pvkit.abi.memory.MemoryAccess m = hv.viewOf(domid);
        if (m == null) {
            return;
        }
        long bit = 1L << (target & 63);
        if ((m.getAndBitwiseOrLong(pendingWord(target), bit) & bit) != 0
                || (m.getLongVolatile(SharedInfoLayout.EVTCHN_MASK_OFFSET + (target >>> 6) * 8L) & bit) != 0) {
            return;
        }
        long sel = 1L << (target >>> 6);
        if ((m.getAndBitwiseOrLong(vcpuInfo(v) + VcpuInfoLayout.PENDING_SEL_OFFSET, sel) & sel) == 0
                && (m.getAndBitwiseOrByte(vcpuInfo(v) + VcpuInfoLayout.UPCALL_PENDING_OFFSET, 1) & 1) == 0) {
            hv.kick(domid, v);
        }
    }

    /**
     * An unmask that marks {@code shared_info} itself, Xen's {@code evtchn_2l_unmask} and kick exactly, through the view
     * pv-events uses, without the port's lock: every single-threaded result is right, but a close of the port cannot
     * wait for it (pv-events' mutant: {@code ChannelLocks.writeLockBoth} not waiting for the readers of the closer's own
     * end).
     */
    static final EventsHypervisor.Bug UNMASK_WITHOUT_LOCK = (hv, c, op, arg, ok) -> {
        int port = op == EvtchnOp.UNMASK ? c.memory().getInt(arg) : 0;
        io.pvkit.abi.memory.MemoryAccess m = hv.viewOf(c.domid());
        if (port <= 0 || port >= 4096 || m == null) {
            return ok.getAsLong();
        }
        int v = hv.channels.inspect(c.domid(), port).vcpu();
        long bit = 1L << (port & 63);
        if ((m.getAndBitwiseAndLong(SharedInfoLayout.EVTCHN_MASK_OFFSET + (port >>> 6) * 8L, ~bit) & bit) != 0
                && (m.getLongVolatile(pendingWord(port)) & bit) != 0) {
            long sel = 1L << (port >>> 6);
            if ((m.getAndBitwiseOrLong(vcpuInfo(v) + VcpuInfoLayout.PENDING_SEL_OFFSET, sel) & sel) == 0
                    && (m.getAndBitwiseOrByte(vcpuInfo(v) + VcpuInfoLayout.UPCALL_PENDING_OFFSET, 1) & 1) == 0) {
                hv.kick(c.domid(), v);
            }
        }
        return 0;
    };

    /**
     * A send that does not wait for a close of its own end: while a close of interdomain port p of domain d runs, a
     * send of d on p delivers to the binding the close started from, itself and unlocked; a send on the peer's end, and
     * every send while no close of its port runs, goes through pv-events (pv-events' mutant: {@code writeLockBoth} not
     * setting the writer flag of the closer's own end, so that a new reader of that end does not back off).
     */
    static final class SendIgnoresACloseOfItsOwnEnd implements EventsHypervisor.Bug {
        /** (domid, port) of each close in progress of an interdomain port, with {remote domid, remote port, vCPU}. */
        private final java.util.Map<Long, int[]> closing = new java.util.concurrent.ConcurrentHashMap<>();

        @Override
        public long around(EventsHypervisor hv, io.pvkit.abi.hypercall.HypercallContext c, EvtchnOp op, long arg,
                java.util.function.LongSupplier ok) {
            if (op != EvtchnOp.CLOSE && op != EvtchnOp.SEND) {
                return ok.getAsLong();
            }
            int port = c.memory().getInt(arg);
            long key = ((long) c.domid() << 32) | (port & 0xFFFF_FFFFL);
            if (op == EvtchnOp.SEND) {
                int[] binding = closing.get(key);
                if (binding == null) {
                    return ok.getAsLong();
                }
                markPendingUnlocked(hv, binding[0], binding[1], binding[2]);
                return 0;
            }
            ChannelStatus s = hv.channels.inspect(c.domid(), port);
            if (s.state() != EvtchnStatus.INTERDOMAIN) {
                return ok.getAsLong();
            }
            closing.put(key, new int[] {s.remoteDom(), s.remotePort(),
                hv.channels.inspect(s.remoteDom(), s.remotePort()).vcpu()});
            try {
                return ok.getAsLong();
            } finally {
                closing.remove(key);
            }
        }
    }

    /**
     * Room for 31 vCPUs per domain: vCPU 31 of a 32-vCPU domain does not exist for bind_ipi and bind_vcpu (pv-events'
     * mutant: {@code vcpus > 32} turned into {@code vcpus >= 32} in {@code SharedInfoBits}).
     */
    static final EventsHypervisor.Bug THIRTY_ONE_VCPUS = (hv, c, op, arg, ok) -> {
        if (op == EvtchnOp.BIND_IPI && c.memory().getInt(arg) == 31
                || op == EvtchnOp.BIND_VCPU && c.memory().getInt(arg + 4) == 31) {
            return XenErrno.ENOENT.negated();
        }
        return ok.getAsLong();
    };

    // ------------------------------------------------------------------ concrete verifications

    abstract static class Base extends EventChannelVerification {
        @Override
        protected long sharedInfoGfn(DomainUnderTest domain) {
            return 0;
        }

        @Override
        protected boolean installPreemptionProbe(HypervisorUnderTest hypervisor, Runnable probe) {
            ((EventsHypervisor) hypervisor).onPreemptionPoint(probe);
            return true;
        }

        @Override
        protected List<Throwable> unexpectedErrors(HypervisorUnderTest hypervisor) {
            return ((EventsHypervisor) hypervisor).errors();
        }

        @Override
        protected boolean raiseVirq(HypervisorUnderTest hypervisor, DomainUnderTest domain, int vcpu, int virq) {
            ((EventsHypervisor) hypervisor).channels.raiseVirq(domain.domid(), vcpu, virq);
            return true;
        }

        @Override
        protected Boolean destroyStep(HypervisorUnderTest hypervisor, DomainUnderTest domain, int maxPorts) {
            return ((EventsHypervisor) hypervisor).channels.releaseDomain(domain.domid(), maxPorts);
        }

        /** EVT-22 passes a correct implementation whatever the window: keep the 35 broken runs short. */
        @Override
        protected int raceWindowMillis() {
            return 50;
        }

        /** One pinned try of EVT-17, so that each broken implementation fails an exact set of rules. */
        @Override
        protected Property modelProperty() {
            return super.modelProperty().seed(BASE_SEED);
        }
    }

    static final class Correct extends Base {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new EventsHypervisor();
        }
    }

    static final class Evt01 extends Base {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new EventsHypervisor(ENOSPC_AS_ENOMEM, true);
        }
    }

    static final class Evt01FreesAPort extends Base {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new EventsHypervisor(ENOSPC_FREES_A_PORT, true);
        }
    }

    static final class Evt18Zombie extends Base {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new EventsHypervisor(EventsHypervisor.NONE, false, true);
        }
    }

    static final class Evt02 extends Base {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new EventsHypervisor(SEND_ON_FREE_PORT_SUCCEEDS, true);
        }
    }

    static final class Evt03 extends Base {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new EventsHypervisor(STATUS_BEYOND_LIMIT_FABRICATED, true);
        }
    }

    static final class Evt04 extends Base {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new EventsHypervisor(CLOSE_KEEPS_PENDING, true);
        }
    }

    static final class Evt04ClosedVirqStaysRegistered extends Base {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new EventsHypervisor(closedVirqStaysRegistered(), true);
        }
    }

    static final class Evt05 extends Base {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new EventsHypervisor(RESET_CLOSES_A_SNAPSHOT, true);
        }
    }

    static final class Evt06NotPreemptible extends Base {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new EventsHypervisor(RESET_IN_ONE_GO, true);
        }
    }

    static final class Evt06 extends Base {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new EventsHypervisor(RESET_STOPS_AT_1024, true);
        }
    }

    static final class Evt07 extends Base {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new EventsHypervisor(FIFO_ACCEPTED_BLINDLY, true);
        }
    }

    static final class Evt08 extends Base {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new EventsHypervisor(SEND_COUNTS, true);
        }
    }

    static final class Evt09 extends Base {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new EventsHypervisor(UNMASK_WITHOUT_RAISE, true);
        }
    }

    static final class Evt10 extends Base {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new EventsHypervisor(ALLOC_FOR_OTHERS, true);
        }
    }

    static final class Evt10UnknownDomain extends Base {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new EventsHypervisor(PRIVILEGE_BEFORE_LOOKUP, true);
        }
    }

    static final class Evt10NoSuchVcpu extends Base {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new EventsHypervisor(IPI_TO_ANY_VCPU, true);
        }
    }

    static final class Evt11 extends Base {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new EventsHypervisor(BIND_NOT_PENDING, true);
        }

        @Override
        protected Property modelProperty() {
            return super.modelProperty().seed(EVT11_SEED);
        }
    }

    static final class Evt12 extends Base {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new EventsHypervisor(SEND_UNBOUND_EINVAL, true);
        }
    }

    static final class Evt13 extends Base {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new EventsHypervisor(CLOSE_CLOSES_PEER, true);
        }

        @Override
        protected Property modelProperty() {
            return super.modelProperty().seed(EVT13_SEED);
        }
    }

    static final class Evt14 extends Base {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new EventsHypervisor(NO_UPCALL_PENDING, true);
        }
    }

    static final class Evt15 extends Base {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new EventsHypervisor(CLOSE_PORT_ZERO, true);
        }
    }

    static final class Evt02RangeCheckByException extends Base {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new EventsHypervisor(RANGE_CHECK_BY_EXCEPTION, true);
        }
    }

    static final class Evt14IntShiftSelector extends Base {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new EventsHypervisor(INT_SHIFT_SELECTOR, true);
        }
    }

    static final class Evt19 extends Base {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new EventsHypervisor(EEXIST_KEEPS_THE_LOCK, true);
        }

        /** The planted lock is never released: any wait catches it. */
        @Override
        protected int lockProbeSeconds() {
            return 2;
        }
    }

    /** Per-vCPU VIRQs looked up on vCPU 0, as global ones are: a timer bound on vCPU 1 never fires. */
    static final class Evt20 extends Base {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new EventsHypervisor();
        }

        @Override
        protected boolean raiseVirq(HypervisorUnderTest hypervisor, DomainUnderTest domain, int vcpu, int virq) {
            ((EventsHypervisor) hypervisor).channels.raiseVirq(domain.domid(), 0, virq);
            return true;
        }
    }

    static final class Evt18DyingAllocates extends Base {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new EventsHypervisor(DYING_DOMAIN_ALLOCATES, true);
        }
    }

    static final class Evt21 extends Base {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            EventsHypervisor hv = new EventsHypervisor(EFAULT_AS_EINVAL, true);
            hv.bugOnBadPointers = true;
            return hv;
        }
    }

    static final class Evt14KicksTooOften extends Base {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new EventsHypervisor(KICK_ON_EVERY_NEW_PENDING, true);
        }
    }

    static final class Evt14SendDoesNotKick extends Base {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new EventsHypervisor(SEND_DOES_NOT_KICK, true);
        }
    }

    static final class Evt05HidesEagain extends Base {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new EventsHypervisor(RESET_HIDES_EAGAIN, true);
        }
    }

    static final class Evt05ResetsNest extends Base {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new EventsHypervisor(RESETS_NEST, true);
        }
    }

    static final class Evt09KicksWhateverTheFlag extends Base {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new EventsHypervisor(UNMASK_KICKS_WHATEVER_THE_FLAG, true);
        }
    }

    static final class Evt10SixteenDomainSlots extends Base {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new EventsHypervisor(SIXTEEN_DOMAIN_SLOTS, true);
        }
    }

    static final class Evt09RaisesWhenNotPending extends Base {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new EventsHypervisor(UNMASK_RAISES_WHEN_NOT_PENDING, true);
        }
    }

    static final class Evt22SendWithoutLock extends Base {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new EventsHypervisor(SEND_WITHOUT_LOCK, true);
        }

        /** The close that does not wait returns in microseconds; a second leaves room for a loaded machine. */
        @Override
        protected int raceWindowMillis() {
            return 1000;
        }
    }

    static final class Evt22UnmaskWithoutLock extends Base {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new EventsHypervisor(UNMASK_WITHOUT_LOCK, true);
        }

        /**
         * The call that does not wait returns in microseconds; 400 ms leaves room for a loaded machine (each of the
         * correct cases before the failing one costs the window too).
         */
        @Override
        protected int raceWindowMillis() {
            return 400;
        }
    }

    static final class Evt22SendIgnoresACloseOfItsOwnEnd extends Base {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new EventsHypervisor(new SendIgnoresACloseOfItsOwnEnd(), true);
        }

        /**
         * The call that does not wait returns in microseconds; 400 ms leaves room for a loaded machine (each of the
         * correct cases before the failing one costs the window too).
         */
        @Override
        protected int raceWindowMillis() {
            return 400;
        }
    }

    /**
     * The platform raises a VIRQ without the port's lock: it finds the bound port through the status query and marks
     * {@code shared_info} itself (Xen's {@code send_guest_vcpu_virq} / {@code send_guest_global_virq} results exactly),
     * so a close of the VIRQ port does not wait for a delivery in progress (pv-events' mutant: the VIRQ case of
     * {@code Bindings.closeLocked} without its write lock).
     */
    static final class Evt22VirqDeliveredWithoutLock extends Base {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new EventsHypervisor();
        }

        @Override
        protected boolean raiseVirq(HypervisorUnderTest hypervisor, DomainUnderTest domain, int vcpu, int virq) {
            EventsHypervisor hv = (EventsHypervisor) hypervisor;
            boolean perVcpu = io.pvkit.abi.evtchn.Virq.of(virq).map(io.pvkit.abi.evtchn.Virq::perVcpu).orElse(true);
            if (io.pvkit.abi.evtchn.Virq.of(virq).isEmpty() || perVcpu && (vcpu < 0 || vcpu >= domain.vcpus())) {
                return true;
            }
            for (int p = 1; p < hv.channels.portLimit(domain.domid()); p++) {
                ChannelStatus s = hv.channels.inspect(domain.domid(), p);
                if (s.state() == EvtchnStatus.VIRQ && s.virq() == virq && (!perVcpu || s.vcpu() == vcpu)) {
                    markPendingUnlocked(hv, domain.domid(), p, s.vcpu());
                    return true;
                }
            }
            return true;
        }

        /**
         * The call that does not wait returns in microseconds; 400 ms leaves room for a loaded machine (each of the
         * correct cases before the failing one costs the window too).
         */
        @Override
        protected int raceWindowMillis() {
            return 400;
        }
    }

    /** A destruction step that ignores its bound: it releases the whole domain at once (pv-events' budget mutants). */
    static final class Evt23StepIgnoresItsBound extends Base {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new EventsHypervisor();
        }

        @Override
        protected Boolean destroyStep(HypervisorUnderTest hypervisor, DomainUnderTest domain, int maxPorts) {
            while (!((EventsHypervisor) hypervisor).channels.releaseDomain(domain.domid(), maxPorts)) {
                Thread.onSpinWait();
            }
            return true;
        }
    }

    /**
     * The step that closes the last port reports not done; the next step, with nothing left to close, reports done
     * (pv-events' mutant: {@code Teardown.releaseDomain} answering false where it removes the domain).
     */
    static final class Evt23DoneOneStepLate extends Base {
        private final java.util.Set<Integer> finished = java.util.concurrent.ConcurrentHashMap.newKeySet();

        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new EventsHypervisor();
        }

        @Override
        protected Boolean destroyStep(HypervisorUnderTest hypervisor, DomainUnderTest domain, int maxPorts) {
            boolean done = ((EventsHypervisor) hypervisor).channels.releaseDomain(domain.domid(), maxPorts);
            return done && !finished.add(domain.domid());
        }
    }

    static final class Evt14ThirtyOneVcpus extends Base {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new EventsHypervisor(THIRTY_ONE_VCPUS, true);
        }
    }

    static final class Evt16 extends Base {
        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new EventsHypervisor(EventsHypervisor.NONE, false);
        }
    }

    // ------------------------------------------------------------------ the self-tests

    @Test
    void correctImplementationPassesEveryRule() {
        SelfTestReport report = SelfTest.run(Correct.class);
        assertEquals(Set.of(), report.failedRules(), () -> "failures: " + report);
        Set<String> all = new TreeSet<>();
        RuleCatalogue.all().stream().map(r -> r.id()).filter(id -> id.startsWith("EVT-")).forEach(all::add);
        assertEquals(all, new TreeSet<>(report.passedRules()), "every EVT rule has a passing test");
    }

    /**
     * The broken implementation fails {@code rule} with a FAILURE (an assertion, not an ERROR from setup), and
     * fails exactly {@code rule} and the rules listed in {@code overlapping} (rules the same bug necessarily
     * breaks too, e.g. a send that succeeds on a free port also succeeds on port 0; EVT-17 when its pinned
     * try catches the bug).
     */
    private static SelfTestReport assertCaught(Class<?> broken, String rule, String... overlapping) {
        return assertCaught(SelfTest.run(broken), broken, rule, overlapping);
    }

    /**
     * As {@link #assertCaught(Class, String, String...)}, and one of {@code rule}'s failures says {@code text} (the
     * check the bug was planted for caught it, not another check of the same rule).
     */
    private static void assertCaughtSaying(Class<?> broken, String rule, String text, String... overlapping) {
        SelfTestReport report = assertCaught(broken, rule, overlapping);
        assertTrue(report.failuresOf(rule).stream().anyMatch(t -> String.valueOf(t.getMessage()).contains(text)),
                () -> rule + " failed on " + broken.getSimpleName() + " without saying \"" + text + "\": " + report);
    }

    /** As {@link #assertCaught(Class, String, String...)}, on a report already run. */
    private static SelfTestReport assertCaught(SelfTestReport report, Class<?> broken, String rule,
                                               String... overlapping) {
        assertEquals(Outcome.FAILURE, report.ruleOutcomes().get(rule),
                () -> rule + " did not fail on " + broken.getSimpleName() + ": " + report);
        Set<String> expected = new TreeSet<>(List.of(overlapping));
        expected.add(rule);
        assertEquals(expected, new TreeSet<>(report.failedRules()),
                () -> broken.getSimpleName() + " failed another set of rules than " + expected + ": " + report);
        for (String r : report.failedRules()) {
            assertEquals(Outcome.FAILURE, report.ruleOutcomes().get(r), () -> r + " errored: " + report);
        }
        assertTrue(report.unmappedProblems().isEmpty(), report::toString);
        return report;
    }

    /** The model-based rule EVT-17 caught the bug too, shrunk to at most {@code maxSteps} steps, and the seed replays it. */
    private static PropertyFailure assertModelCaught(SelfTestReport report, int maxSteps) {
        assertTrue(report.failedRules().contains("EVT-17"), () -> "EVT-17 did not catch it; failed: " + report.failedRules());
        List<Throwable> failures = report.failuresOf("EVT-17");
        assertEquals(1, failures.size(), failures::toString);
        PropertyFailure f = assertInstanceOf(PropertyFailure.class, failures.getFirst());
        assertTrue(f.steps().size() <= maxSteps, () -> "not shrunk to <= " + maxSteps + " steps:\n" + f.getMessage());
        assertTrue(f.getMessage().contains("-Dpvkit.seed=" + f.seed()), f::getMessage);
        return f;
    }

    @Test
    void evt01CatchesWrongErrnoAtExhaustion() {
        assertCaught(Evt01.class, "EVT-01", "EVT-19");   // EVT-19 also exhausts a domain
    }

    @Test
    void evt01CatchesAFailedAllocationThatFreesAPort() {
        assertCaughtSaying(Evt01FreesAPort.class, "EVT-01", "after the failed allocations", "EVT-19");
    }

    @Test
    void evt02CatchesSendOnFreePort() {
        // EVT-22's send made during a close of its port waits for the close and then sends on the freed port: 0 here
        assertCaught(Evt02.class, "EVT-02", "EVT-03", "EVT-12", "EVT-15", "EVT-19", "EVT-22");
    }

    @Test
    void evt02CatchesARangeCheckReplacedByACaughtException() {
        // the guest sees -EINVAL everywhere; the unexpectedErrors hook shows the hidden exception (EVT-03, EVT-17's
        // pinned try and EVT-19's error paths use ports beyond the limit too)
        assertCaughtSaying(Evt02RangeCheckByException.class, "EVT-02", "unexpected exception", "EVT-03", "EVT-17", "EVT-19");
    }

    @Test
    void evt03CatchesStatusBeyondLimit() {
        assertCaught(Evt03.class, "EVT-03", "EVT-02", "EVT-19");
    }

    @Test
    void evt04CatchesCloseThatKeepsPending() {
        assertCaught(Evt04.class, "EVT-04");
    }

    @Test
    void evt04CatchesACloseThatLeavesTheVirqRegistered() {
        assertCaughtSaying(Evt04ClosedVirqStaysRegistered.class, "EVT-04", "after its port");
    }

    @Test
    void evt05CatchesARacyResetThatClosesASnapshot() {
        // one run, no retries: EVT-05 forces the interleaving through the preemption probe (an alloc_unbound of
        // another vCPU at the reset's first preemption point); closing a snapshot in one go also has only that
        // one preemption point (EVT-06)
        assertCaughtSaying(Evt05.class, "EVT-05", "survived", "EVT-06");
    }

    @Test
    void evt06CatchesAResetWithoutPreemptionPoints() {
        assertCaughtSaying(Evt06NotPreemptible.class, "EVT-06", "not preemptible");
    }

    @Test
    void evt06CatchesResetThatStopsEarly() {
        assertCaught(Evt06.class, "EVT-06");
    }

    @Test
    void evt07CatchesBlindFifoAcceptance() {
        assertCaught(Evt07.class, "EVT-07");
    }

    @Test
    void evt08CatchesCountingSend() {
        assertCaught(Evt08.class, "EVT-08", "EVT-09", "EVT-14");
    }

    @Test
    void evt09CatchesUnmaskWithoutRaise() {
        assertCaught(Evt09.class, "EVT-09");
    }

    @Test
    void evt10CatchesAllocForOthers() {
        assertCaught(Evt10.class, "EVT-10", "EVT-18", "EVT-19");   // EVT-18/19 also allocate for another domain
        // PIT survivors on pv-events (docs/mutation-testing.md) the kit passed before
        assertCaught(Evt10UnknownDomain.class, "EVT-10", "EVT-18", "EVT-19");   // a destroyed domain is unknown too
        assertCaught(Evt10NoSuchVcpu.class, "EVT-10");
    }

    @Test
    void evt11CatchesBindWithoutPending() {
        PropertyFailure f = assertModelCaught(assertCaught(Evt11.class, "EVT-11", "EVT-17"), 2);
        assertTrue(f.steps().getLast().startsWith("bind_interdomain("), f::getMessage);
    }

    @Test
    void evt12CatchesSendOnUnboundRefused() {
        assertCaught(Evt12.class, "EVT-12", "EVT-04", "EVT-11", "EVT-16", "EVT-17", "EVT-18");
    }

    @Test
    void evt13CatchesCloseThatClosesPeer() {
        PropertyFailure f = assertModelCaught(assertCaught(Evt13.class, "EVT-13", "EVT-04", "EVT-17"), 3);
        assertTrue(f.steps().getLast().startsWith("close("), f::getMessage);
        String old = System.getProperty("pvkit.seed");
        System.setProperty("pvkit.seed", Long.toString(f.seed()));
        try {
            PropertyFailure replayed = assertModelCaught(SelfTest.run(Evt13.class), 3);
            assertEquals(f.originalSteps(), replayed.originalSteps(), "the seed replays the same sequence");
            assertEquals(f.steps(), replayed.steps(), "and shrinks it the same way");
        } finally {
            if (old == null) {
                System.clearProperty("pvkit.seed");
            } else {
                System.setProperty("pvkit.seed", old);
            }
        }
    }

    @Test
    void evt14CatchesMissingUpcallPending() {
        assertCaught(Evt14.class, "EVT-14");
    }

    @Test
    void evt14CatchesASelectorBitComputedWithAnIntShift() {
        // right for every port below 1984 (all the kit used before), wrong for the last selector words
        assertCaughtSaying(Evt14IntShiftSelector.class, "EVT-14", "selector bit of word 63", "EVT-09");
    }

    @Test
    void evt14CatchesASendThatKicksWhateverTheFlagsSay() {
        // its extra kick on a 0 -> 1 raise breaks "exactly one kick" first, before the "kicked again" check
        assertCaughtSaying(Evt14KicksTooOften.class, "EVT-14", "exactly one kick");
    }

    @Test
    void evt14CatchesASendThatNeverKicks() {
        assertCaughtSaying(Evt14SendDoesNotKick.class, "EVT-14", "exactly one kick");
    }

    @Test
    void evt05CatchesAResetThatHidesEagain() {
        // deterministic: the forced interleaving's port stays open, and the reset must say so
        assertCaughtSaying(Evt05HidesEagain.class, "EVT-05", "must answer -EAGAIN");
    }

    @Test
    void evt05CatchesAResetThatRunsWhileAnotherOneDoes() {
        assertCaughtSaying(Evt05ResetsNest.class, "EVT-05", "-EBUSY");
    }

    @Test
    void evt09CatchesAnUnmaskThatKicksWhileTheUpcallFlagIsSet() {
        assertCaughtSaying(Evt09KicksWhateverTheFlag.class, "EVT-09", "was still set");
    }

    @Test
    void evt10CatchesADomainTableThatDoesNotGrow() {
        assertCaughtSaying(Evt10SixteenDomainSlots.class, "EVT-10", "bind_interdomain");
    }

    @Test
    void evt09CatchesAnUnmaskThatRaisesANonPendingPort() {
        assertCaughtSaying(Evt09RaisesWhenNotPending.class, "EVT-09", "that is not pending");
    }

    @Test
    void evt15CatchesClosablePortZero() {
        assertCaught(Evt15.class, "EVT-15", "EVT-02", "EVT-19");
    }

    @Test
    void evt16CatchesDestroyWithoutTeardown() {
        assertCaught(Evt16.class, "EVT-16", "EVT-06", "EVT-10", "EVT-18");   // EVT-10 destroys 10 of its 20 domains
    }

    @Test
    void evt19CatchesAnErrorPathThatKeepsALock() {
        assertCaughtSaying(Evt19.class, "EVT-19", "a lock was left held");
    }

    @Test
    void evt18CatchesADomainThatAllocatesWhileBeingDestroyed() {
        // EVT-23's calls between two steps of a destruction meet the same dying domain that allocates
        assertCaughtSaying(Evt18DyingAllocates.class, "EVT-18", "bind_ipi by the domain being destroyed", "EVT-23");
    }

    @Test
    void evt21CatchesAFaultAnsweredAsEinval() {
        assertCaughtSaying(Evt21.class, "EVT-21", "memory ends at");
    }

    @Test
    void evt20CatchesPerVcpuVirqsLookedUpOnVcpuZero() {
        assertCaughtSaying(Evt20.class, "EVT-20", "VIRQ_TIMER raised on vCPU 1");
    }

    @Test
    void evt14CatchesADomainWithRoomFor31Vcpus() {
        assertCaughtSaying(Evt14ThirtyOneVcpus.class, "EVT-14", "bind_ipi to vCPU 31 of a domain with 32 vCPUs");
    }

    @Test
    void evt22CatchesASendThatDeliversWithoutThePortsLock() {
        // deterministic: the close is made while the send is stopped inside its delivery (after its pending RMW)
        assertCaughtSaying(Evt22SendWithoutLock.class, "EVT-22", "was still inside its delivery");
    }

    @Test
    void evt22CatchesACloseThatDoesNotWaitForAnUnmaskOfItsOwnEnd() {
        // deterministic: the close is made while c's unmask of its own end is stopped after its read of the pending word
        assertCaughtSaying(Evt22UnmaskWithoutLock.class, "EVT-22", "while c's own unmask of it was still in progress");
    }

    @Test
    void evt22CatchesASendThatDoesNotWaitForACloseOfItsOwnEnd() {
        assertCaughtSaying(Evt22SendIgnoresACloseOfItsOwnEnd.class, "EVT-22", "returned before the close did");
    }

    @Test
    void evt22CatchesAVirqDeliveryThatACloseDoesNotWaitFor() {
        assertCaughtSaying(Evt22VirqDeliveredWithoutLock.class, "EVT-22", "while a delivery of its VIRQ was still in progress");
    }

    @Test
    void evt23CatchesADestructionStepThatIgnoresItsBound() {
        assertCaughtSaying(Evt23StepIgnoresItsBound.class, "EVT-23", "more than its bound");
    }

    @Test
    void evt23CatchesADestructionThatReportsDoneOneStepLate() {
        assertCaughtSaying(Evt23DoneOneStepLate.class, "EVT-23", "closed the last port of c but reported not done");
    }

    @Test
    void evt18CatchesADestroyedDomainThatStaysBindable() {
        // EVT-10 destroys 10 of its 20 domains and then names them: still found (-EPERM), not -ESRCH
        assertCaughtSaying(Evt18Zombie.class, "EVT-18", "dead domain must stay dead", "EVT-10");
    }
}
