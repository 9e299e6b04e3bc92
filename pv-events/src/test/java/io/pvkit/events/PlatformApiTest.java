package io.pvkit.events;

import io.pvkit.abi.DomId;
import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.evtchn.EvtchnStatus;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.events.spi.UnmaskHypercall;
import io.pvkit.events.spi.VcpuKicker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * pv-events' Java API that no rule of the conformance kit can reach, because an implementation under the kit has no
 * counterpart (docs/mutation/events.md, the out-of-scope rows): argument checks, the platform's queries, the
 * {@code releaseDomain} budget and flag, {@code raiseVirq}'s result, the demultiplexer's counts. The waits are in
 * {@link UpcallWaitTest}, {@link ThreadVcpuKicker} in {@link ThreadVcpuKickerTest}, both without timing assertions.
 */
class PlatformApiTest {
    DomainPair pair;
    GuestMemory dom0Mem;
    GuestMemory guestMem;
    EventChannels evtchn;

    @BeforeEach
    void setUp() {
        pair = new DomainPair(2);
        dom0Mem = pair.dom0Mem;
        guestMem = pair.guestMem;
        evtchn = pair.evtchn;
    }

    @AfterEach
    void tearDown() {
        pair.close();
    }

    @Test
    void platformQueriesSeeRegisteredDomainsAndTheirPorts() {
        assertTrue(evtchn.hasDomain(1));
        assertFalse(evtchn.hasDomain(2));
        assertSame(evtchn, new EventChannelHypercalls(evtchn).channels(), "the adapter exposes the channels it drives");
        assertEquals(256, evtchn.portLimit(1));
        assertEquals(0, evtchn.portLimit(7), "an unregistered domain has no ports");
        int port = evtchn.allocUnbound(1, DomId.SELF, 0);
        ChannelStatus s = evtchn.inspect(1, port);
        assertTrue(s.ok());
        assertEquals(EvtchnStatus.UNBOUND, s.state());
        assertEquals(0, s.remoteDom());
        assertEquals(Optional.empty(), s.error());
        ChannelStatus missing = evtchn.inspect(9, 1);
        assertFalse(missing.ok());
        assertEquals(Optional.of(XenErrno.ESRCH), missing.error());
        assertEquals(Optional.of(XenErrno.EINVAL), evtchn.inspect(1, 4096).error());
        assertThrows(IllegalStateException.class,
                () -> evtchn.addDomain(new DomainSpec(1, guestMem, 1, false), 1, VcpuKicker.POLLING),
                "a domain id registered twice");
    }

    @Test
    void aDomainIdFarAboveTheTableIsRegisteredAndFound() {
        try (GuestMemory mem = GuestMemory.allocate(2)) {
            evtchn.addDomain(new DomainSpec(1000, mem, 1, false), 1, VcpuKicker.POLLING);
            assertTrue(evtchn.hasDomain(1000));
            assertTrue(evtchn.allocUnbound(1000, DomId.SELF, 0) > 0);
            assertFalse(evtchn.hasDomain(999));
            assertFalse(evtchn.hasDomain(1001));
        }
    }

    @Test
    void releaseDomainWorksInBudgetedStepsAndReportsDoneOnlyAtTheEnd() {
        assertThrows(IllegalArgumentException.class, () -> evtchn.releaseDomain(1, 0));
        assertTrue(evtchn.releaseDomain(42, 1), "an unknown domain is already gone");
        for (int i = 0; i < 10; i++) {
            evtchn.allocUnbound(1, DomId.SELF, 0);
        }
        int calls = 0;
        boolean done = false;
        while (!done) {
            done = evtchn.releaseDomain(1, 100);
            calls++;
            assertTrue(calls <= 3, "256 ports with a budget of 100 take three calls");
            if (!done) {
                assertTrue(evtchn.hasDomain(1), "still registered while ports remain");
                assertEquals((int) XenErrno.ESRCH.negated(), evtchn.allocUnbound(1, DomId.SELF, 0),
                        "a domain being released is unknown to every operation");
            }
        }
        assertEquals(3, calls);
        assertFalse(evtchn.hasDomain(1));
        assertTrue(evtchn.releaseDomain(1, 1), "a second release of a gone domain is done at once");
        try (GuestMemory mem = GuestMemory.allocate(2)) {
            evtchn.addDomain(new DomainSpec(1, mem, 1, false), 1, VcpuKicker.POLLING);
            assertEquals(1, evtchn.allocUnbound(1, DomId.SELF, 0), "the id can be registered again, with fresh ports");
        }
    }

    @Test
    void preemptionPointsRunBetweenChunksAndBeforeAnUnfinishedReturn() {
        AtomicInteger points = new AtomicInteger();
        evtchn.onPreemptionPoint(points::incrementAndGet);
        assertFalse(evtchn.releaseDomain(1, 100));
        int afterFirst = points.get();
        assertTrue(afterFirst >= 1, "a call that returns false passed a preemption point");
        while (!evtchn.releaseDomain(1, 1000)) {
            // finish
        }
        assertTrue(points.get() > afterFirst);
    }

    @Test
    void raiseVirqSaysWhetherAPortWasBoundAndSetPending() {
        assertFalse(evtchn.raiseVirq(1, 0, 0), "VIRQ_TIMER not bound");
        int port = evtchn.bindVirq(1, 0, 0);
        assertTrue(port > 0);
        assertTrue(evtchn.raiseVirq(1, 0, 0));
        assertTrue(evtchn.raiseVirq(1, 0, 0), "already pending is still a delivery");
        assertFalse(evtchn.raiseVirq(1, 1, 0), "VIRQ_TIMER is per vCPU: vCPU 1 has none bound");
        assertFalse(evtchn.raiseVirq(5, 0, 0), "unknown domain");
        assertFalse(evtchn.raiseVirq(1, 2, 0), "domain 1 has vCPUs 0 and 1 only");
        assertFalse(evtchn.raiseVirq(1, -1, 0));
        assertFalse(evtchn.raiseVirq(1, 0, -1), "no such VIRQ");
        assertFalse(evtchn.raiseVirq(1, 0, io.pvkit.abi.evtchn.Virq.NR_VIRQS));
    }

    @Test
    void theDemultiplexerChecksItsArguments() {
        assertThrows(IllegalArgumentException.class, () -> new UpcallDemultiplexer(guestMem, 1, 0, 0));
        new UpcallDemultiplexer(guestMem, 1, 0, 1);
        UpcallDemultiplexer d = new UpcallDemultiplexer(guestMem, 1, 0);
        for (int bad : new int[] {0, -1, 4096, 5000}) {
            assertThrows(IllegalArgumentException.class, () -> d.register(bad, p -> { }), "register " + bad);
            assertThrows(IllegalArgumentException.class, () -> d.unregister(bad), "unregister " + bad);
            assertThrows(IllegalArgumentException.class, () -> d.mask(bad), "mask " + bad);
            assertThrows(IllegalArgumentException.class, () -> d.unmask(bad), "unmask " + bad);
        }
        d.register(1, p -> { });
        d.register(4095, p -> { });
        d.unregister(4095);
        assertEquals(0, d.vcpu());
        assertEquals(1, new UpcallDemultiplexer(guestMem, 1, 1).vcpu());
    }

    @Test
    void handleUpcallCountsHandlerCallsAndUnmaskSaysWhetherAnUpcallIsDue() {
        UpcallDemultiplexer d = new UpcallDemultiplexer(guestMem, 1, 0);
        List<Integer> served = new ArrayList<>();
        int a = evtchn.allocUnbound(1, DomId.SELF, 0);
        int b = evtchn.allocUnbound(1, DomId.SELF, 0);
        int da = evtchn.bindInterdomain(0, 1, a);
        int db = evtchn.bindInterdomain(0, 1, b);
        d.register(a, served::add);
        d.register(b, served::add);
        evtchn.send(0, da);
        evtchn.send(0, db);
        assertEquals(2, d.handleUpcall());
        assertEquals(List.of(a, b), served);
        assertEquals(0, d.handleUpcall(), "nothing pending: no handler call");
        d.mask(a);
        evtchn.send(0, da);
        assertEquals(0, d.handleUpcall(), "masked");
        assertTrue(d.unmask(a), "pending when unmasked: an upcall is due");
        assertTrue(d.upcallPending());
        assertEquals(1, d.handleUpcall());
        d.mask(b);
        assertFalse(d.unmask(b), "not pending when unmasked");
        assertFalse(d.upcallPending());
    }

    @Test
    void aPortOfAnotherVcpuIsUnmaskedThroughTheHypercallPath() {
        AtomicLong hypercalls = new AtomicLong();
        UnmaskHypercall path = port -> {
            hypercalls.incrementAndGet();
            return evtchn.unmask(1, port);
        };
        UpcallDemultiplexer d = new UpcallDemultiplexer(guestMem, 1, 0, 4, path, t -> { throw new AssertionError(t); });
        int other = evtchn.allocUnbound(1, DomId.SELF, 0);
        assertFalse(d.unmask(other), "a foreign port: the hypercall decides, this vCPU has nothing due");
        assertEquals(1, hypercalls.get());
        UpcallDemultiplexer none = new UpcallDemultiplexer(guestMem, 1, 0);
        assertThrows(IllegalStateException.class, () -> none.unmask(other), "no hypercall path");
        UpcallDemultiplexer failing = new UpcallDemultiplexer(guestMem, 1, 0, 4, port -> XenErrno.EINVAL.negated(),
                t -> { });
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> failing.unmask(other));
        assertTrue(e.getMessage().contains("EVTCHNOP_unmask of port " + other), e.getMessage());
    }

    @Test
    void aHandlerThatThrowsIsReportedAndTheOthersStillRun() {
        List<Throwable> errors = new ArrayList<>();
        UpcallDemultiplexer d = new UpcallDemultiplexer(guestMem, 1, 0, 4, UnmaskHypercall.NONE, errors::add);
        int a = evtchn.allocUnbound(1, DomId.SELF, 0);
        int b = evtchn.allocUnbound(1, DomId.SELF, 0);
        int da = evtchn.bindInterdomain(0, 1, a);
        int db = evtchn.bindInterdomain(0, 1, b);
        List<Integer> served = new ArrayList<>();
        d.register(a, p -> {
            throw new IllegalStateException("boom " + p);
        });
        d.register(b, served::add);
        evtchn.send(0, da);
        evtchn.send(0, db);
        d.handleUpcall();
        assertEquals(List.of(b), served);
        assertEquals(1, errors.size());
        assertTrue(errors.get(0).getMessage().contains("boom " + a), errors.get(0).getMessage());
        assertEquals(1, d.handlerFailures());
    }
}
