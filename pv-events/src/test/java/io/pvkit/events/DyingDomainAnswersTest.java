package io.pvkit.events;

import io.pvkit.abi.DomId;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.evtchn.EvtchnStatus;
import io.pvkit.abi.memory.GuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * From the first {@link EventChannels#releaseDomain} call on, the domain is unknown to every operation it makes
 * itself: each answers {@code -ESRCH} and changes nothing, although the domain is still registered
 * ({@link EventChannels#hasDomain}) and its remaining ports are still bound ({@link EventChannels#inspect}).
 */
class DyingDomainAnswersTest {
    static final int ESRCH = (int) XenErrno.ESRCH.negated();

    DomainPair pair;
    GuestMemory dom0Mem;
    GuestMemory guestMem;
    EventChannels evtchn;
    int guestPort;
    int dom0Port;
    int ipi;
    int unbound;
    int virq;

    @BeforeEach
    void setUp() {
        pair = new DomainPair(2);
        dom0Mem = pair.dom0Mem;
        guestMem = pair.guestMem;
        evtchn = pair.evtchn;
        guestPort = evtchn.allocUnbound(1, DomId.SELF, 0);
        dom0Port = evtchn.bindInterdomain(0, 1, guestPort);
        ipi = evtchn.bindIpi(1, 0);
        unbound = evtchn.allocUnbound(1, DomId.SELF, 0);
        virq = evtchn.bindVirq(1, 1, 0); // VIRQ_DEBUG, global
        guestMem.fill(GuestMemory.PAGE_SIZE, GuestMemory.PAGE_SIZE, (byte) 0);
        dom0Mem.fill(GuestMemory.PAGE_SIZE, GuestMemory.PAGE_SIZE, (byte) 0);
        // the first step of the release closes port 0 only (reserved): every bound port is still bound after it
        assertFalse(evtchn.releaseDomain(1, 1));
        assertTrue(evtchn.hasDomain(1));
    }

    @AfterEach
    void tearDown() {
        pair.close();
    }

    void assertPortsUnchanged() {
        assertEquals(EvtchnStatus.INTERDOMAIN, evtchn.inspect(1, guestPort).state());
        assertEquals(EvtchnStatus.IPI, evtchn.inspect(1, ipi).state());
        assertEquals(EvtchnStatus.UNBOUND, evtchn.inspect(1, unbound).state());
        ChannelStatus v = evtchn.inspect(1, virq);
        assertEquals(EvtchnStatus.VIRQ, v.state());
        assertEquals(0, v.vcpu());
        assertEquals(EvtchnStatus.CLOSED, evtchn.inspect(1, 6).state(), "nothing was allocated");
        assertEquals(0L, guestMem.getLong(GuestMemory.PAGE_SIZE), "nothing was set pending");
    }

    @Test
    void closeAnswersEsrchAndClosesNothing() {
        for (int port : new int[] {guestPort, ipi, unbound, virq, 0, 4096}) {
            assertEquals(ESRCH, evtchn.close(1, port), "close " + port);
        }
        assertPortsUnchanged();
    }

    @Test
    void bindVcpuAnswersEsrchAndMovesNothing() {
        assertEquals(ESRCH, evtchn.bindVcpu(1, virq, 1));
        assertEquals(ESRCH, evtchn.bindVcpu(1, unbound, 1));
        assertEquals(0, evtchn.inspect(1, unbound).vcpu());
        assertPortsUnchanged();
    }

    @Test
    void sendAndUnmaskAnswerEsrchAndRaiseNothing() {
        assertEquals(ESRCH, evtchn.send(1, ipi));
        assertEquals(ESRCH, evtchn.send(1, guestPort));
        assertEquals(ESRCH, evtchn.unmask(1, ipi));
        assertEquals(ESRCH, evtchn.unmask(1, 4096));
        assertPortsUnchanged();
        assertEquals(0L, dom0Mem.getLong(GuestMemory.PAGE_SIZE), "the peer got nothing either");
    }

    @Test
    void resetStatusAndTheBindsAnswerEsrch() {
        assertEquals(ESRCH, evtchn.reset(1, DomId.SELF));
        assertEquals(ESRCH, evtchn.reset(1, 1));
        assertEquals(ESRCH, evtchn.status(1, DomId.SELF, ipi).status());
        assertEquals(ESRCH, evtchn.bindIpi(1, 0));
        assertEquals(ESRCH, evtchn.bindVirq(1, 0, 0));
        assertEquals(ESRCH, evtchn.allocUnbound(1, DomId.SELF, 0));
        assertEquals(ESRCH, evtchn.bindInterdomain(1, 0, evtchn.allocUnbound(0, DomId.SELF, 1)));
        assertPortsUnchanged();
        assertFalse(evtchn.raiseVirq(1, 0, 1), "no VIRQ is delivered to it either");
    }

    @Test
    void othersCannotReachItsPortsAnyMore() {
        assertEquals(ESRCH, evtchn.reset(0, 1), "a privileged reset of the dying domain");
        assertEquals(ESRCH, evtchn.status(0, 1, ipi).status());
        assertEquals(ESRCH, evtchn.allocUnbound(0, 1, 0));
        assertPortsUnchanged();
    }
}
