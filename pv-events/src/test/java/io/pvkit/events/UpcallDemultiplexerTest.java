package io.pvkit.events;

import io.pvkit.abi.DomId;
import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.hypercall.GuestHypercalls;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.events.spi.UnmaskHypercall;
import io.pvkit.abi.spi.IdleStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.pvkit.events.EventChannelsTest.pending;
import static io.pvkit.events.EventChannelsTest.selector;
import static io.pvkit.events.EventChannelsTest.upcallPending;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UpcallDemultiplexerTest {
    GuestMemory dom0Mem;
    GuestMemory guestMem;
    EventChannels evtchn;
    ThreadVcpuKicker kicker = new ThreadVcpuKicker(1);
    /** Kicks delivered to the guest (a spy around {@link #kicker}). */
    final AtomicInteger kicks = new AtomicInteger();
    UpcallDemultiplexer demux;
    final List<Integer> served = new ArrayList<>();

    @BeforeEach
    void setUp() {
        dom0Mem = GuestMemory.allocate(2);
        guestMem = GuestMemory.allocate(2);
        evtchn = new EventChannels();
        evtchn.addDomain(new DomainSpec(0, dom0Mem, 1, true), 1, kicker);
        evtchn.addDomain(new DomainSpec(1, guestMem, 1, false), 1, v -> {
            kicks.incrementAndGet();
            kicker.kick(v);
        });
        demux = new UpcallDemultiplexer(guestMem, 1, 0);
    }

    @AfterEach
    void tearDown() {
        dom0Mem.close();
        guestMem.close();
    }

    /** Guest offers a port, dom0 binds it; returns {guestPort, dom0Port}. */
    int[] channel() {
        int gp = evtchn.allocUnbound(1, DomId.SELF, 0);
        int dp = evtchn.bindInterdomain(0, 1, gp);
        demux.register(gp, served::add);
        return new int[] {gp, dp};
    }

    @Test
    void shouldDispatchPendingPortAndClearAllFlags() {
        int[] c = channel();
        evtchn.send(0, c[1]);
        assertTrue(demux.upcallPending());
        assertEquals(1, demux.handleUpcall());
        assertEquals(List.of(c[0]), served);
        assertFalse(pending(guestMem, c[0]));
        assertEquals(0, selector(guestMem, 0));
        assertEquals(0, upcallPending(guestMem, 0));
        assertEquals(0, demux.handleUpcall(), "nothing left");
    }

    @Test
    void shouldCoalesceAStormIntoOneDispatch() {
        int[] c = channel();
        for (int i = 0; i < 100_000; i++) {
            evtchn.send(0, c[1]);
        }
        assertEquals(1, demux.handleUpcall());
        assertEquals(1, served.size());
    }

    @Test
    void shouldRedeliverEventRaisedDuringHandler() {
        int[] c = channel();
        AtomicInteger calls = new AtomicInteger();
        demux.register(c[0], p -> {
            if (calls.getAndIncrement() == 0) {
                evtchn.send(0, c[1]);
            }
        });
        evtchn.send(0, c[1]);
        assertEquals(2, demux.handleUpcall());
        assertEquals(2, calls.get());
        assertFalse(demux.upcallPending());
    }

    @Test
    void shouldBoundWorkPerUpcallAndKeepServingOtherPorts() {
        int[] busy = channel();
        int[] quiet = channel();
        AtomicInteger busyCalls = new AtomicInteger();
        demux.register(busy[0], p -> {
            busyCalls.incrementAndGet();
            evtchn.send(0, busy[1]); // hostile peer: re-raise forever
        });
        evtchn.send(0, busy[1]);
        evtchn.send(0, quiet[1]);
        int n = demux.handleUpcall();
        assertTrue(n <= 2 * UpcallDemultiplexer.DEFAULT_MAX_ROUNDS * 2, "bounded work: " + n);
        assertTrue(served.contains(quiet[0]), "quiet port served despite the storm");
        assertTrue(demux.upcallPending(), "remaining work stays signalled, nothing lost");
    }

    @Test
    void shouldResumeScanAfterLastPortServed() {
        // ports in the same word: the lowest is always re-raised; fairness means the higher one is served
        int[] a = channel();
        int[] b = channel();
        UpcallDemultiplexer oneRound = new UpcallDemultiplexer(guestMem, 1, 0, 1);
        List<Integer> order = new ArrayList<>();
        oneRound.register(a[0], p -> {
            order.add(p);
            evtchn.send(0, a[1]);
        });
        oneRound.register(b[0], order::add);
        evtchn.send(0, a[1]);
        oneRound.handleUpcall();
        assertTrue(order.stream().allMatch(p -> p == a[0]), "only a was pending: " + order);
        order.clear();
        evtchn.send(0, b[1]);
        oneRound.handleUpcall();
        assertEquals(b[0], order.get(0), "the scan resumes after a (the last port served), so b comes first: " + order);
    }

    @Test
    void shouldDeliverExactlyOnceOnLocalUnmaskOfPendingPort() {
        int[] c = channel();
        demux.mask(c[0]);
        evtchn.send(0, c[1]);
        assertFalse(demux.upcallPending(), "masked: no upcall");
        assertEquals(0, demux.handleUpcall());
        assertTrue(demux.unmask(c[0]));
        assertTrue(demux.upcallPending());
        assertEquals(1, demux.handleUpcall());
        assertEquals(0, demux.handleUpcall());
        assertFalse(demux.unmask(c[0]));
        assertEquals(0, demux.handleUpcall());
        assertEquals(1, served.size());
    }

    /**
     * Linux unmasks a port of another vCPU with EVTCHNOP_unmask (evtchn_2l_unmask's slow path): the
     * event must reach the vCPU the port notifies, not the vCPU that happened to call unmask.
     */
    @Test
    void shouldDeliverOnTheOwningVcpuWhenAnotherVcpuUnmasks() {
        EventChannels ec = new EventChannels();
        try (GuestMemory d0 = GuestMemory.allocate(2); GuestMemory g = GuestMemory.allocate(2)) {
            ec.addDomain(new DomainSpec(0, d0, 1, true), 1, v -> { });
            ec.addDomain(new DomainSpec(1, g, 2, false), 1, v -> { }, 64);
            int gp = ec.allocUnbound(1, DomId.SELF, 0);
            int dp = ec.bindInterdomain(0, 1, gp);
            assertEquals(0, ec.bindVcpu(1, gp, 1), "the port notifies vCPU 1");
            // vCPU 0's hypercalls go to the hypervisor's event_channel_op; scratch in frame 0
            GuestHypercalls hc = new GuestHypercalls(new EventChannelHypercalls(ec),
                    HypercallContext.of(1, 0, false, g), 0, 4096);
            UpcallDemultiplexer vcpu0 = new UpcallDemultiplexer(g, 1, 0, UpcallDemultiplexer.DEFAULT_MAX_ROUNDS,
                    UnmaskHypercall.via(hc));
            UpcallDemultiplexer vcpu1 = new UpcallDemultiplexer(g, 1, 1);
            UpcallDemultiplexer noHypercall = new UpcallDemultiplexer(g, 1, 0);
            assertThrows(IllegalStateException.class, () -> noHypercall.unmask(gp),
                    "without a hypercall path a foreign unmask fails loudly instead of leaving the port stuck");
            assertThrows(IllegalStateException.class, () -> vcpu0.unmask(100),
                    "a failed EVTCHNOP_unmask (-EINVAL: beyond the domain's 64 ports) is reported");
            List<Integer> onVcpu1 = new ArrayList<>();
            vcpu1.register(gp, onVcpu1::add);
            vcpu1.handleUpcall(); // the bind's own pending event
            vcpu1.mask(gp);
            ec.send(0, dp);
            assertTrue(pending(g, gp));
            assertEquals(0, vcpu1.handleUpcall(), "masked");

            vcpu0.unmask(gp); // e.g. an irq affinity change running on vCPU 0

            assertEquals(0, vcpu0.handleUpcall(), "vCPU 0 has no handler for the port");
            assertTrue(vcpu1.upcallPending(), "the owning vCPU must be told");
            assertEquals(1, vcpu1.handleUpcall());
            assertEquals(List.of(gp), onVcpu1);
            assertFalse(pending(g, gp));
        }
    }

    @Test
    void shouldNotDispatchUnregisteredOrMaskedPorts() {
        int[] c = channel();
        demux.unregister(c[0]);
        evtchn.send(0, c[1]);
        assertEquals(0, demux.handleUpcall());
        assertTrue(pending(guestMem, c[0]), "left pending for whoever binds it");
        assertTrue(served.isEmpty());
    }

    @Test
    void shouldSurviveThrowingHandler() {
        int[] bad = channel();
        int[] good = channel();
        demux.register(bad[0], p -> {
            throw new IllegalStateException("boom");
        });
        evtchn.send(0, bad[1]);
        evtchn.send(0, good[1]);
        assertEquals(2, demux.handleUpcall());
        assertEquals(List.of(good[0]), served);
        assertEquals(1, demux.handlerFailures());
    }

    @Test
    void shouldHandHandlerExceptionsToTheErrorHandler() {
        List<Throwable> seen = new ArrayList<>();
        demux = new UpcallDemultiplexer(guestMem, 1, 0, 4, io.pvkit.events.spi.UnmaskHypercall.NONE, seen::add);
        int[] bad = channel();
        int[] good = channel();
        RuntimeException boom = new IllegalStateException("boom");
        demux.register(bad[0], p -> {
            throw boom;
        });
        evtchn.send(0, bad[1]);
        evtchn.send(0, good[1]);
        assertEquals(2, demux.handleUpcall());
        assertEquals(List.of(boom), seen);
        assertEquals(List.of(good[0]), served);

        // an error handler that throws does not stop the scan either
        served.clear();
        demux = new UpcallDemultiplexer(guestMem, 1, 0, 4, io.pvkit.events.spi.UnmaskHypercall.NONE, t -> {
            throw new IllegalStateException("error handler bug");
        });
        demux.register(bad[0], p -> {
            throw boom;
        });
        demux.register(good[0], served::add);
        evtchn.send(0, bad[1]);
        evtchn.send(0, good[1]);
        assertEquals(2, demux.handleUpcall());
        assertEquals(List.of(good[0]), served);
    }

    @Test
    void shouldWakeParkedVcpuThread() throws Exception {
        int[] c = channel();
        CountDownLatch handled = new CountDownLatch(1);
        CountDownLatch attached = new CountDownLatch(1);
        demux.register(c[0], p -> handled.countDown());
        java.util.concurrent.atomic.AtomicBoolean due = new java.util.concurrent.atomic.AtomicBoolean();
        CountDownLatch waited = new CountDownLatch(1);
        Thread vcpu = Thread.ofPlatform().daemon().start(() -> {
            kicker.attach(0, Thread.currentThread());
            attached.countDown();
            // parks far longer than the test waits: only the kick can wake it in time
            due.set(demux.awaitUpcallParked(TimeUnit.SECONDS.toNanos(120)));
            waited.countDown();
            if (due.get()) {
                demux.handleUpcall();
            }
        });
        assertTrue(attached.await(10, TimeUnit.SECONDS));
        int kicksBefore = kicks.get();
        evtchn.send(0, c[1]);
        assertTrue(kicks.get() > kicksBefore, "send kicked the guest's vCPU");
        assertTrue(waited.await(10, TimeUnit.SECONDS), "the kicked vCPU thread woke");
        assertTrue(due.get(), "it woke with the upcall due");
        assertTrue(handled.await(10, TimeUnit.SECONDS), "the kicked vCPU thread woke and handled the event");
        vcpu.join(TimeUnit.SECONDS.toMillis(10));
        assertTrue(!vcpu.isAlive(), "vCPU thread finished");
    }

    @Test
    void shouldWakePollingVcpuThread() throws Exception {
        int[] c = channel();
        CountDownLatch handled = new CountDownLatch(1);
        demux.register(c[0], p -> handled.countDown());
        Thread vcpu = Thread.ofPlatform().start(() -> {
            demux.awaitUpcall(IdleStrategy.backoff(100, 10, 1_000, 1_000_000));
            demux.handleUpcall();
        });
        evtchn.send(0, c[1]);
        assertTrue(handled.await(10, TimeUnit.SECONDS));
        vcpu.join(TimeUnit.SECONDS.toMillis(10));
        assertTrue(!vcpu.isAlive(), "vCPU thread finished");
    }

    @Test
    void shouldNotDispatchEventWithdrawnByClose() {
        int[] c = channel();
        evtchn.send(0, c[1]);
        evtchn.close(1, c[0]);
        assertEquals(0, demux.handleUpcall());
        assertTrue(served.isEmpty());
    }
}
