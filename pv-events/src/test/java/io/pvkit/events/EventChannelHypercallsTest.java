package io.pvkit.events;

import io.pvkit.abi.DomId;
import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.evtchn.EvtchnOp;
import io.pvkit.abi.evtchn.EvtchnStatus;
import io.pvkit.abi.evtchn.Virq;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.memory.GuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventChannelHypercallsTest {
    static final long ARG = 3 * 4096 + 64; // an argument buffer in frame 3
    GuestMemory m0;
    GuestMemory m1;
    EventChannels ec = new EventChannels();
    EventChannelHypercalls hc = new EventChannelHypercalls(ec);
    HypercallContext dom0;
    HypercallContext dom1;

    @BeforeEach
    void setUp() {
        m0 = GuestMemory.allocate(4);
        m1 = GuestMemory.allocate(4);
        ec.addDomain(new DomainSpec(0, m0, 1, true), 1, v -> { });
        ec.addDomain(new DomainSpec(1, m1, 2, false), 1, v -> { });
        dom0 = HypercallContext.of(0, 0, true, m0);
        dom1 = HypercallContext.of(1, 0, false, m1);
    }

    @AfterEach
    void tearDown() {
        m0.close();
        m1.close();
    }

    long call(HypercallContext c, EvtchnOp op) {
        return hc.hypercall(c, HypercallOp.EVENT_CHANNEL_OP.number(), op.code(), ARG, 0, 0, 0);
    }

    int allocUnbound(HypercallContext c, int dom, int remote) {
        c.memory().setShort(ARG, (short) dom);
        c.memory().setShort(ARG + 2, (short) remote);
        c.memory().setInt(ARG + 4, 0xDEAD);
        long rc = call(c, EvtchnOp.ALLOC_UNBOUND);
        assertEquals(0, rc);
        return c.memory().getInt(ARG + 4);
    }

    @Test
    void shouldConnectAndSendThroughHypercalls() {
        int port = allocUnbound(dom1, DomId.SELF, 0);
        assertEquals(1, port);
        m0.setShort(ARG, (short) 1);
        m0.setInt(ARG + 4, port);
        assertEquals(0, call(dom0, EvtchnOp.BIND_INTERDOMAIN));
        int local = m0.getInt(ARG + 8);
        assertEquals(1, local);
        m0.setInt(ARG, local);
        assertEquals(0, call(dom0, EvtchnOp.SEND));
        assertTrue(EventChannelsTest.pending(m1, port));
        m0.setInt(ARG, 4096);
        assertEquals(-22, call(dom0, EvtchnOp.SEND));
    }

    @Test
    void shouldFillStatusStruct() {
        int port = allocUnbound(dom1, DomId.SELF, 0);
        m0.setShort(ARG, (short) 1);
        m0.setInt(ARG + 4, port);
        m0.setLong(ARG + 16, -1L);
        assertEquals(0, call(dom0, EvtchnOp.STATUS));
        assertEquals(EvtchnStatus.UNBOUND.code(), m0.getInt(ARG + 8));
        assertEquals(0, m0.getInt(ARG + 12));
        assertEquals(0, m0.getShort(ARG + 16));
        assertEquals(0, m0.getInt(ARG + 20), "rest of the union zeroed");
        m1.setShort(ARG, (short) 0);
        m1.setInt(ARG + 4, 1);
        m1.setInt(ARG + 8, 77);
        assertEquals(-1, call(dom1, EvtchnOp.STATUS), "unprivileged, foreign");
        assertEquals(77, m1.getInt(ARG + 8), "nothing written on failure");
    }

    @Test
    void shouldBindVirqIpiAndVcpu() {
        m1.setInt(ARG, Virq.TIMER.code());
        m1.setInt(ARG + 4, 1);
        assertEquals(0, call(dom1, EvtchnOp.BIND_VIRQ));
        int timer = m1.getInt(ARG + 8);
        assertEquals(1, timer);
        assertEquals(-17, call(dom1, EvtchnOp.BIND_VIRQ));
        m1.setInt(ARG, 1);
        assertEquals(0, call(dom1, EvtchnOp.BIND_IPI));
        assertEquals(2, m1.getInt(ARG + 4));
        m1.setInt(ARG, timer);
        m1.setInt(ARG + 4, 0);
        assertEquals(-22, call(dom1, EvtchnOp.BIND_VCPU));
        m1.setInt(ARG, 0xFFFFFFFF);
        m1.setInt(ARG + 4, 0xFFFFFFFF);
        assertEquals(-2, call(dom1, EvtchnOp.BIND_VCPU));
        m1.setInt(ARG, timer);
        assertEquals(0, call(dom1, EvtchnOp.CLOSE));
        assertEquals(0, call(dom1, EvtchnOp.UNMASK));
        m1.setShort(ARG, (short) DomId.SELF);
        assertEquals(0, call(dom1, EvtchnOp.RESET));
        assertEquals(EvtchnStatus.CLOSED, ec.inspect(1, 2).state());
    }

    @Test
    void shouldReportUnexpectedExceptionsToTheErrorHandlerAndStillAnswerEinval() {
        EventChannels channels = new EventChannels();
        java.util.List<Throwable> seen = new java.util.ArrayList<>();
        EventChannelHypercalls withHandler = new EventChannelHypercalls(channels, seen::add);
        RuntimeException kickerBug = new IllegalStateException("platform kicker bug");
        channels.addDomain(new DomainSpec(0, m0, 1, true), 1, v -> { });
        channels.addDomain(new DomainSpec(1, m1, 1, false), 1, v -> {
            throw kickerBug;
        });
        int offered = channels.allocUnbound(0, DomId.SELF, 1);
        m1.setShort(ARG, (short) 0);
        m1.setInt(ARG + 4, offered);
        // bind_interdomain sets the guest's new port pending, which kicks its vCPU: the kicker throws
        long rc = withHandler.hypercall(dom1, HypercallOp.EVENT_CHANNEL_OP.number(),
                EvtchnOp.BIND_INTERDOMAIN.code(), ARG, 0, 0, 0);
        assertEquals(-22, rc, "the guest-visible answer stays -EINVAL");
        assertEquals(java.util.List.of(kickerBug), seen, "the error handler sees the exception");

        // an error handler that throws does not change the guest's answer either
        EventChannelHypercalls throwing = new EventChannelHypercalls(channels, t -> {
            throw new IllegalStateException("handler bug");
        });
        int ipi = channels.bindIpi(1, 0);
        m1.fill(4096, 4096, (byte) 0); // upcall_pending clear again, so the next event kicks
        m1.setInt(ARG, ipi);
        assertEquals(-22, throwing.hypercall(dom1, HypercallOp.EVENT_CHANNEL_OP.number(),
                EvtchnOp.SEND.code(), ARG, 0, 0, 0));
    }

    @Test
    void shouldReturnEfaultForBadPointers() {
        for (long bad : new long[] {-1L, 4 * 4096L, 4 * 4096L - 1, Long.MAX_VALUE, ARG + 1}) {
            for (EvtchnOp op : new EvtchnOp[] {EvtchnOp.ALLOC_UNBOUND, EvtchnOp.SEND, EvtchnOp.STATUS,
                EvtchnOp.BIND_INTERDOMAIN, EvtchnOp.RESET}) {
                assertEquals(-14, hc.eventChannelOp(dom1, op.code(), bad), op + " at " + bad);
            }
        }
        assertEquals(EvtchnStatus.CLOSED, ec.inspect(1, 1).state(), "no side effect");
    }

    @Test
    void shouldReturnEnosysForUnknownCommandsAndOtherHypercalls() {
        for (long cmd : new long[] {14, 15, 99, -1, Long.MIN_VALUE, 1L << 32}) {
            assertEquals(-38, hc.eventChannelOp(dom1, cmd, ARG));
        }
        assertEquals(-38, hc.hypercall(dom1, 20, 0, ARG, 0, 0, 0));
    }

    /**
     * Guest-supplied numbers never drive a loop: every sub-op with every field at an extreme value
     * (all bits set, top bit only, just below the top bit) is refused without allocating, closing or
     * tearing anything down (no preemption point is reached, no port changes state).
     */
    @Test
    void shouldRefuseExtremeArgumentsWithoutWork() {
        int connected = allocUnbound(dom1, DomId.SELF, 0);
        java.util.concurrent.atomic.AtomicInteger preemptionPoints = new java.util.concurrent.atomic.AtomicInteger();
        ec.onPreemptionPoint(preemptionPoints::incrementAndGet);
        java.util.List<String> before = portStates();
        for (byte fill : new byte[] {(byte) 0xFF, (byte) 0x80, (byte) 0x7F}) {
            for (EvtchnOp op : EvtchnOp.values()) {
                for (HypercallContext c : new HypercallContext[] {dom0, dom1}) {
                    c.memory().fill(ARG, 64, fill);
                    long rc = call(c, op);
                    assertTrue(rc < 0, op + " with every byte 0x" + Integer.toHexString(fill & 0xFF) + " from dom"
                            + c.domid() + " must be refused, was " + rc);
                }
            }
        }
        assertEquals(before, portStates(), "no port changed state");
        assertEquals(0, preemptionPoints.get(), "no teardown ran");
        assertEquals(EvtchnStatus.UNBOUND, ec.inspect(1, connected).state());
    }

    private java.util.List<String> portStates() {
        java.util.List<String> states = new java.util.ArrayList<>();
        for (int d = 0; d < 2; d++) {
            for (int p = 0; p < ec.portLimit(d); p++) {
                states.add(d + ":" + p + "=" + ec.inspect(d, p));
            }
        }
        return states;
    }

    @Test
    void shouldRefuseFifoAndPirq() {
        assertEquals(-95, call(dom1, EvtchnOp.INIT_CONTROL));
        assertEquals(-95, call(dom1, EvtchnOp.EXPAND_ARRAY));
        assertEquals(-95, call(dom1, EvtchnOp.SET_PRIORITY));
        assertEquals(-22, call(dom1, EvtchnOp.BIND_PIRQ));
    }

    @Test
    void shouldRejectUnprivilegedForeignAllocUnbound() {
        m1.setShort(ARG, (short) 0);
        m1.setShort(ARG + 2, (short) 1);
        assertEquals(-1, call(dom1, EvtchnOp.ALLOC_UNBOUND));
    }
}
