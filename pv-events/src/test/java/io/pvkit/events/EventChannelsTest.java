package io.pvkit.events;

import io.pvkit.abi.evtchn.EvtchnStatus;
import io.pvkit.abi.evtchn.Virq;
import io.pvkit.events.internal.VirqRules;

import io.pvkit.abi.DomId;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.evtchn.SharedInfoLayout;
import io.pvkit.abi.evtchn.VcpuInfoLayout;
import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.memory.GuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventChannelsTest {
    static final int EINVAL = -22;
    static final int ENOSPC = -28;
    static final int EPERM = -1;
    static final int ENOENT = -2;
    static final int EEXIST = -17;
    static final int ESRCH = -3;

    final List<GuestMemory> memories = new ArrayList<>();
    final List<String> kicks = new ArrayList<>();
    EventChannels evtchn;

    @BeforeEach
    void setUp() {
        evtchn = new EventChannels();
        register(0, true, 2);
        register(1, false, 2);
        register(2, false, 1);
    }

    @AfterEach
    void tearDown() {
        memories.forEach(GuestMemory::close);
    }

    GuestMemory mem(int domid) {
        return memories.get(domid);
    }

    void register(int domid, boolean privileged, int vcpus) {
        GuestMemory m = GuestMemory.allocate(2);
        memories.add(m);
        evtchn.addDomain(new DomainSpec(domid, m, vcpus, privileged), 1, v -> kicks.add(domid + ":" + v));
    }

    static boolean pending(GuestMemory m, int port) {
        return (m.getLong(4096 + SharedInfoLayout.EVTCHN_PENDING_OFFSET + (port / 64) * 8L) & (1L << (port % 64))) != 0;
    }

    static void setMask(GuestMemory m, int port) {
        m.getAndBitwiseOrLong(4096 + SharedInfoLayout.EVTCHN_MASK_OFFSET + (port / 64) * 8L, 1L << (port % 64));
    }

    static long selector(GuestMemory m, int vcpu) {
        return m.getLong(4096 + SharedInfoLayout.vcpuInfoOffset(vcpu) + VcpuInfoLayout.PENDING_SEL_OFFSET);
    }

    static int upcallPending(GuestMemory m, int vcpu) {
        return m.getByte(4096 + SharedInfoLayout.vcpuInfoOffset(vcpu) + VcpuInfoLayout.UPCALL_PENDING_OFFSET);
    }

    int connect(int offerer, int binder) {
        int port = evtchn.allocUnbound(offerer, DomId.SELF, binder);
        assertTrue(port > 0, XenErrno.describe(port));
        int local = evtchn.bindInterdomain(binder, offerer, port);
        assertTrue(local > 0, XenErrno.describe(local));
        return port;
    }

    @Test
    void shouldNeverAllocatePortZero() {
        assertEquals(1, evtchn.allocUnbound(1, DomId.SELF, 0));
        assertEquals(EvtchnStatus.CLOSED, evtchn.status(1, DomId.SELF, 0).state());
        assertEquals(EINVAL, evtchn.close(1, 0));
        assertEquals(EINVAL, evtchn.send(1, 0));
    }

    @Test
    void shouldRejectUnprivilegedAllocUnboundForAnotherDomain() {
        assertEquals(EPERM, evtchn.allocUnbound(1, 2, 0));
        assertEquals(EvtchnStatus.CLOSED, evtchn.inspect(2, 1).state());
        int p = evtchn.allocUnbound(0, 2, 1);
        assertEquals(1, p);
        assertEquals(new ChannelStatus(0, EvtchnStatus.UNBOUND, 0, 1, 0, 0), evtchn.inspect(2, 1));
        assertEquals(ESRCH, evtchn.allocUnbound(1, 77, 0));
    }

    @Test
    void shouldLetOnlyTheNamedRemoteDomainBind() {
        int port = evtchn.allocUnbound(1, DomId.SELF, 0);
        assertEquals(EINVAL, evtchn.bindInterdomain(2, 1, port));
        assertEquals(EvtchnStatus.UNBOUND, evtchn.inspect(1, port).state());
        int local = evtchn.bindInterdomain(0, 1, port);
        assertEquals(new ChannelStatus(0, EvtchnStatus.INTERDOMAIN, 0, 1, port, 0), evtchn.status(0, DomId.SELF, local));
        assertEquals(new ChannelStatus(0, EvtchnStatus.INTERDOMAIN, 0, 0, local, 0), evtchn.status(1, DomId.SELF, port));
        assertEquals(EINVAL, evtchn.bindInterdomain(0, 1, port), "already bound");
        assertEquals(EINVAL, evtchn.bindInterdomain(0, 1, 4096));
        assertEquals(EINVAL, evtchn.bindInterdomain(0, 1, -1));
        assertEquals(ESRCH, evtchn.bindInterdomain(0, 9, 1));
    }

    @Test
    void shouldMarkLocalPortPendingOnBindInterdomain() {
        int port = evtchn.allocUnbound(1, DomId.SELF, 0);
        assertEquals(0, evtchn.send(1, port), "send on unbound is dropped and returns 0");
        assertFalse(pending(mem(0), 1));
        int local = evtchn.bindInterdomain(0, 1, port);
        assertTrue(pending(mem(0), local));
        assertEquals(1, upcallPending(mem(0), 0));
        assertEquals(List.of("0:0"), kicks);
    }

    @Test
    void shouldDeliverInXenOrderAndKickOnlyOnFirstEdge() {
        int port = connect(1, 0);
        kicks.clear();
        GuestMemory g = mem(1);
        assertEquals(0, evtchn.send(0, 1));
        assertTrue(pending(g, port));
        assertEquals(1L << (port / 64), selector(g, 0));
        assertEquals(1, upcallPending(g, 0));
        assertEquals(List.of("1:0"), kicks);
        assertEquals(0, evtchn.send(0, 1));
        assertEquals(List.of("1:0"), kicks, "pending is a level: no second kick");
    }

    @Test
    void shouldKeepMaskedEventPendingAndRaiseItOnUnmask() {
        int port = connect(1, 0);
        kicks.clear();
        GuestMemory g = mem(1);
        setMask(g, port);
        evtchn.send(0, 1);
        assertTrue(pending(g, port));
        assertEquals(0, selector(g, 0));
        assertEquals(0, upcallPending(g, 0));
        assertEquals(0, evtchn.unmask(1, port));
        assertEquals(1, upcallPending(g, 0));
        assertEquals(List.of("1:0"), kicks);
        assertEquals(0, evtchn.unmask(1, port));
        assertEquals(List.of("1:0"), kicks, "second unmask raises nothing");
    }

    @Test
    void shouldTurnPeerBackToUnboundOnClose() {
        int port = connect(1, 0);
        assertEquals(0, evtchn.close(0, 1));
        assertEquals(new ChannelStatus(0, EvtchnStatus.UNBOUND, 0, 0, 0, 0), evtchn.inspect(1, port));
        assertEquals(0, evtchn.send(1, port), "now unbound: dropped");
        assertEquals(EINVAL, evtchn.send(0, 1), "closed port");
        assertEquals(EINVAL, evtchn.close(0, 1));
        assertTrue(evtchn.bindInterdomain(0, 1, port) > 0, "same domain may bind again");
    }

    @Test
    void shouldClearPendingOnClose() {
        int port = connect(1, 0);
        evtchn.send(0, 1);
        assertTrue(pending(mem(1), port));
        assertEquals(0, evtchn.close(1, port));
        assertFalse(pending(mem(1), port));
    }

    @Test
    void shouldTearDownDeadDomainsPorts() {
        int port = connect(1, 0);
        int other = connect(2, 1);
        assertTrue(evtchn.releaseDomain(1, Integer.MAX_VALUE));
        assertFalse(evtchn.hasDomain(1));
        assertEquals(EvtchnStatus.UNBOUND, evtchn.inspect(0, 1).state());
        assertEquals(EvtchnStatus.UNBOUND, evtchn.inspect(2, other).state());
        assertEquals(ESRCH, evtchn.bindInterdomain(0, 1, port));
        assertEquals(0, evtchn.send(0, 1));
        assertTrue(evtchn.releaseDomain(1, 1), "an unknown domain is already gone");
    }

    @Test
    void shouldReleaseDomainInBudgetedCallsUnbindingPeersAsItGoes() {
        // domain 1 holds 10 interdomain ports towards dom0: ports 1..10
        int[] dom0Ports = new int[10];
        for (int i = 0; i < 10; i++) {
            int p = connect(1, 0);
            assertEquals(i + 1, p);
            dom0Ports[i] = evtchn.inspect(1, p).remotePort();
        }
        List<Integer> preemptions = new ArrayList<>();
        evtchn.onPreemptionPoint(() -> preemptions.add(1));

        // budget 4 examines ports 0..3 (port 0 is reserved): ports 1..3 closed, the rest still bound
        assertFalse(evtchn.releaseDomain(1, 4));
        assertTrue(evtchn.hasDomain(1));
        assertThrows(IllegalStateException.class, () -> register(1, false, 1), "id still registered");
        assertEquals(ESRCH, evtchn.send(1, 5), "a domain being released is gone for every operation");
        assertEquals(ESRCH, evtchn.allocUnbound(0, 1, 0));
        for (int i = 0; i < 10; i++) {
            EvtchnStatus want = i < 3 ? EvtchnStatus.UNBOUND : EvtchnStatus.INTERDOMAIN;
            assertEquals(want, evtchn.inspect(0, dom0Ports[i]).state(), "dom0 port of domain 1's port " + (i + 1));
        }
        assertEquals(EvtchnStatus.UNBOUND, evtchn.inspect(0, dom0Ports[0]).state());
        assertEquals(1, evtchn.inspect(0, dom0Ports[0]).remoteDom(), "offered to the released domain again, as Xen does");

        // the remaining 4092 ports take ceil(4092 / 1000) = 5 more calls; each call of 1000 ports has
        // ceil(1000 / 64) - 1 = 15 preemption points inside it and one where it stops
        int calls = 0;
        preemptions.clear();
        while (!evtchn.releaseDomain(1, 1000)) {
            calls++;
        }
        assertEquals(4, calls);
        assertEquals(4 * 16 + 1, preemptions.size(), "the last call (92 ports) has one point between its two chunks");
        assertFalse(evtchn.hasDomain(1));
        for (int p : dom0Ports) {
            assertEquals(EvtchnStatus.UNBOUND, evtchn.inspect(0, p).state());
        }
        assertTrue(evtchn.releaseDomain(1, 1), "already gone");

        // a huge budget still stops every TEARDOWN_CHUNK ports: 4096 ports of domain 2 = 64 chunks, 63 points
        preemptions.clear();
        assertTrue(evtchn.releaseDomain(2, Integer.MAX_VALUE));
        assertEquals(EventChannels.MAX_PORTS_2L / EventChannels.TEARDOWN_CHUNK - 1, preemptions.size());
        assertThrows(IllegalArgumentException.class, () -> evtchn.releaseDomain(2, 0));
    }

    @Test
    void shouldReturnEnospcAtExhaustionWithoutSideEffects() {
        EventChannels small = new EventChannels();
        try (GuestMemory m = GuestMemory.allocate(1); GuestMemory n = GuestMemory.allocate(1)) {
            small.addDomain(new DomainSpec(3, m, 1, false), 0, v -> { }, 8);
            small.addDomain(new DomainSpec(4, n, 1, false), 0, v -> { }, 8);
            for (int i = 1; i < 8; i++) {
                assertEquals(i, small.allocUnbound(3, DomId.SELF, 4));
            }
            assertEquals(ENOSPC, small.allocUnbound(3, DomId.SELF, 4));
            assertEquals(ENOSPC, small.bindVirq(3, Virq.TIMER.code(), 0));
            assertEquals(ENOSPC, small.bindIpi(3, 0));
            int offered = small.allocUnbound(4, DomId.SELF, 3);
            assertEquals(ENOSPC, small.bindInterdomain(3, 4, offered));
            assertEquals(EvtchnStatus.UNBOUND, small.inspect(4, offered).state());
            assertEquals(1, small.bindVirq(4, Virq.TIMER.code(), 0) - 1, "other domain unaffected");
            assertEquals(0, small.bindIpi(4, 0) > 0 ? 0 : 1);
            assertEquals(0, small.close(3, 5));
            assertEquals(5, small.bindVirq(3, Virq.TIMER.code(), 0), "timer bindable after a port frees; no stale state");
        }
    }

    @Test
    void shouldApplyVirqRules() {
        assertEquals(EINVAL, evtchn.bindVirq(1, Virq.NR_VIRQS, 0));
        assertEquals(EINVAL, evtchn.bindVirq(1, -1, 0));
        assertEquals(EINVAL, evtchn.bindVirq(1, Virq.CONSOLE.code(), 1), "global VIRQ must bind on vCPU 0");
        assertEquals(ENOENT, evtchn.bindVirq(1, Virq.TIMER.code(), 2));
        int t0 = evtchn.bindVirq(1, Virq.TIMER.code(), 0);
        int t1 = evtchn.bindVirq(1, Virq.TIMER.code(), 1);
        assertTrue(t0 > 0 && t1 > 0 && t0 != t1);
        assertEquals(EEXIST, evtchn.bindVirq(1, Virq.TIMER.code(), 1));
        assertEquals(EINVAL, evtchn.bindVcpu(1, t1, 0), "per-vCPU VIRQ is fixed");
        assertEquals(EINVAL, evtchn.send(1, t0));
        int con = evtchn.bindVirq(1, Virq.CONSOLE.code(), 0);
        assertEquals(0, evtchn.bindVcpu(1, con, 1));
        kicks.clear();
        assertTrue(evtchn.raiseVirq(1, 0, Virq.CONSOLE.code()));
        assertEquals(List.of("1:1"), kicks);
        assertEquals(new ChannelStatus(0, EvtchnStatus.VIRQ, 1, 0, 0, Virq.CONSOLE.code()), evtchn.status(1, DomId.SELF, con));
        assertEquals(0, evtchn.close(1, t1));
        assertTrue(evtchn.bindVirq(1, Virq.TIMER.code(), 1) > 0, "rebindable after close");
    }

    @Test
    void shouldApplyIpiAndBindVcpuRules() {
        assertEquals(ENOENT, evtchn.bindIpi(1, 2));
        int ipi = evtchn.bindIpi(1, 1);
        assertEquals(new ChannelStatus(0, EvtchnStatus.IPI, 1, 0, 0, 0), evtchn.status(1, DomId.SELF, ipi));
        assertEquals(EINVAL, evtchn.bindVcpu(1, ipi, 0));
        kicks.clear();
        assertEquals(0, evtchn.send(1, ipi));
        assertEquals(List.of("1:1"), kicks);
        assertEquals(ENOENT, evtchn.bindVcpu(1, 4096, 5), "vCPU checked first");
        assertEquals(EINVAL, evtchn.bindVcpu(1, 4096, 0));
        assertEquals(EINVAL, evtchn.bindVcpu(1, 200, 0), "free port");
    }

    @Test
    void shouldReturnEinvalForOutOfRangePorts() {
        for (int port : new int[] {-1, 4096, 0x7FFFFFFF, Integer.MIN_VALUE}) {
            assertEquals(EINVAL, evtchn.send(1, port));
            assertEquals(EINVAL, evtchn.close(1, port));
            assertEquals(EINVAL, evtchn.unmask(1, port));
            assertEquals(EINVAL, evtchn.status(1, DomId.SELF, port).status());
            assertEquals(EINVAL, evtchn.bindVcpu(1, port, 0));
        }
    }

    @Test
    void shouldCheckStatusPermissionAfterPortValidity() {
        int port = evtchn.allocUnbound(2, DomId.SELF, 1);
        assertEquals(EINVAL, evtchn.status(1, 2, 5000).status());
        assertEquals(EPERM, evtchn.status(1, 2, port).status());
        assertEquals(EvtchnStatus.UNBOUND, evtchn.status(0, 2, port).state());
        assertEquals(ESRCH, evtchn.status(1, 99, 1).status());
    }

    @Test
    void shouldResetAllPortsOfADomain() {
        connect(1, 0);
        evtchn.bindIpi(1, 0);
        evtchn.bindVirq(1, Virq.TIMER.code(), 0);
        assertEquals(EPERM, evtchn.reset(2, 1));
        assertEquals(0, evtchn.reset(1, DomId.SELF));
        for (int p = 1; p < 5; p++) {
            assertEquals(EvtchnStatus.CLOSED, evtchn.inspect(1, p).state());
        }
        assertEquals(EvtchnStatus.UNBOUND, evtchn.inspect(0, 1).state());
        assertTrue(evtchn.bindVirq(1, Virq.TIMER.code(), 0) > 0);
        assertEquals(0, evtchn.reset(0, 1), "privileged may reset another domain");
    }

    @Test
    void shouldSupportLoopbackChannels() {
        int port = evtchn.allocUnbound(1, DomId.SELF, DomId.SELF);
        assertEquals(new ChannelStatus(0, EvtchnStatus.UNBOUND, 0, 1, 0, 0), evtchn.inspect(1, port));
        int local = evtchn.bindInterdomain(1, DomId.SELF, port);
        assertTrue(local > 0);
        evtchn.close(1, local);
        assertEquals(EvtchnStatus.UNBOUND, evtchn.inspect(1, port).state());
    }

    @Test
    void shouldReturnEsrchForUnknownCaller() {
        assertEquals(ESRCH, evtchn.send(42, 1));
        assertEquals(ESRCH, evtchn.allocUnbound(42, DomId.SELF, 0));
    }

    /** A view of a domain's memory that records the offsets pv-events reads and writes through it. */
    static final class RecordingView extends io.pvkit.abi.memory.ForwardingMemoryAccess {
        final List<Long> rmws = java.util.Collections.synchronizedList(new ArrayList<>());

        RecordingView(GuestMemory real) {
            super(real);
        }

        @Override
        public long getAndBitwiseOrLong(long gpa, long bits) {
            rmws.add(gpa);
            return super.getAndBitwiseOrLong(gpa, bits);
        }
    }

    @Test
    void shouldReachSharedInfoThroughTheViewItWasGiven() {
        GuestMemory m = GuestMemory.allocate(2);
        memories.add(m);
        RecordingView view = new RecordingView(m);
        evtchn.addDomain(new DomainSpec(3, m, 1, false), view, 1, v -> kicks.add("3:" + v), 64);
        assertEquals(64, evtchn.portLimit(3));
        int ipi = evtchn.bindIpi(3, 0);
        assertEquals(0, evtchn.send(3, ipi));
        assertTrue(pending(m, ipi), "the view writes the domain's own memory");
        assertEquals(List.of(4096 + SharedInfoLayout.EVTCHN_PENDING_OFFSET,
                4096 + SharedInfoLayout.vcpuInfoOffset(0) + VcpuInfoLayout.PENDING_SEL_OFFSET), view.rmws,
                "the pending word, then the selector: both through the view");
        assertEquals(List.of("3:0"), kicks);
        GuestMemory other = GuestMemory.allocate(3);
        memories.add(other);
        assertThrows(IllegalArgumentException.class,
                () -> evtchn.addDomain(new DomainSpec(4, m, 1, false), other, 1, v -> { }, 64),
                "a view of another size is not a view of the domain's memory");
        assertFalse(evtchn.hasDomain(4));
        assertThrows(NullPointerException.class,
                () -> evtchn.addDomain(new DomainSpec(4, m, 1, false), null, 1, v -> { }, 64));
    }
}
