package io.pvkit.events;

import io.pvkit.abi.DomId;
import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.memory.ForwardingMemoryAccess;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.spi.IdleStrategy;
import io.pvkit.events.spi.VcpuKicker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link UpcallDemultiplexer#awaitUpcall} and {@link UpcallDemultiplexer#awaitUpcallParked}, scripted: the
 * demultiplexer reads {@code evtchn_upcall_pending} through a view that counts its looks, and the event arrives at a
 * chosen idle step or look (no sleep decides anything). Every look at the flag is one {@code getIntVolatile} of the
 * view: the flag's containing word.
 */
class UpcallWaitTest {
    /** A bound that no correct wait below reaches: past it the view makes the upcall due, so a broken wait ends. */
    static final int LOOKS_BOUND = 1000;

    GuestMemory dom0Mem;
    GuestMemory guestMem;
    EventChannels evtchn;
    int dom0Port;
    CountingView view;
    UpcallDemultiplexer demux;

    /** The guest's view of its memory as the demultiplexer sees it: counts the looks at the upcall flag. */
    final class CountingView extends ForwardingMemoryAccess {
        int looks;
        /** At this look the peer's event arrives (before the read), as if the hypervisor raised it just then. */
        int raiseAtLook = LOOKS_BOUND;

        CountingView(GuestMemory real) {
            super(real);
        }

        @Override
        public int getIntVolatile(long gpa) {
            looks++;
            if (looks == raiseAtLook) {
                raise();
            }
            return super.getIntVolatile(gpa);
        }
    }

    @BeforeEach
    void setUp() {
        dom0Mem = GuestMemory.allocate(2);
        guestMem = GuestMemory.allocate(2);
        evtchn = new EventChannels();
        evtchn.addDomain(new DomainSpec(0, dom0Mem, 1, true), 1, VcpuKicker.POLLING);
        evtchn.addDomain(new DomainSpec(1, guestMem, 1, false), 1, VcpuKicker.POLLING);
        int guestPort = evtchn.allocUnbound(1, DomId.SELF, 0);
        dom0Port = evtchn.bindInterdomain(0, 1, guestPort);
        view = new CountingView(guestMem);
        demux = new UpcallDemultiplexer(view, 1, 0);
        demux.register(guestPort, p -> { });
        demux.unmask(guestPort);
        demux.handleUpcall(); // the bind's own pending event: nothing is due from here on
        assertFalse(demux.upcallPending());
        view.looks = 0;
    }

    @AfterEach
    void tearDown() {
        Thread.interrupted(); // a test below parks with its interrupt status set on purpose
        dom0Mem.close();
        guestMem.close();
    }

    void raise() {
        assertEquals(0, evtchn.send(0, dom0Port));
    }

    /** An idle strategy that counts its calls and raises the event at its {@code raiseAtIdle}-th idle. */
    final class ScriptedIdle implements IdleStrategy {
        final int raiseAtIdle;
        int idles;
        int resets;

        ScriptedIdle(int raiseAtIdle) {
            this.raiseAtIdle = raiseAtIdle;
        }

        @Override
        public void idle() {
            idles++;
            if (idles == raiseAtIdle) {
                raise();
            }
        }

        @Override
        public void reset() {
            resets++;
        }
    }

    @Test
    void awaitUpcallIdlesBetweenLooksUntilTheUpcallIsDueThenResetsTheStrategy() {
        ScriptedIdle idle = new ScriptedIdle(3);
        demux.awaitUpcall(idle);
        assertEquals(3, idle.idles, "one idle step after each look that found nothing due");
        assertEquals(4, view.looks, "three empty looks, the fourth finds the upcall due");
        assertEquals(1, idle.resets, "the strategy is reset once, on return");
        assertTrue(demux.upcallPending());
    }

    @Test
    void awaitUpcallReturnsAtOnceWhenAnUpcallIsAlreadyDue() {
        raise();
        ScriptedIdle idle = new ScriptedIdle(Integer.MAX_VALUE);
        demux.awaitUpcall(idle);
        assertEquals(0, idle.idles);
        assertEquals(1, view.looks);
        assertEquals(1, idle.resets);
    }

    @Test
    @Timeout(20)
    void awaitUpcallParkedWithNoTimeLeftLooksOnceAndAnswersFalse() {
        view.raiseAtLook = 3;
        for (long timeout : new long[] {0, -1, Long.MIN_VALUE}) {
            view.looks = 0;
            // interrupted: a park returns at once, so a wait that would park here shows as extra looks, not a hang
            Thread.currentThread().interrupt();
            assertFalse(demux.awaitUpcallParked(timeout), "timeout " + timeout + ": nothing is due");
            assertEquals(1, view.looks, "timeout " + timeout + ": one look, no wait");
        }
    }

    @Test
    @Timeout(20)
    void awaitUpcallParkedParksBetweenLooksInsteadOfSpinning() {
        // a wait that spins instead of parking reaches the bound within the timeout and then finds the upcall due
        assertFalse(demux.awaitUpcallParked(TimeUnit.MILLISECONDS.toNanos(200)));
        assertTrue(view.looks < LOOKS_BOUND, view.looks + " looks in one parked wait");
    }

    @Test
    @Timeout(20)
    void awaitUpcallParkedLooksAgainAfterAWakeUpWithinTheTimeout() {
        view.raiseAtLook = 2;
        LockSupport.unpark(Thread.currentThread()); // a kick before the wait: its first park returns at once
        assertTrue(demux.awaitUpcallParked(TimeUnit.SECONDS.toNanos(60)), "the event arrived during the wait");
        assertEquals(2, view.looks, "one look before the park, one after the wake-up");
    }

    @Test
    @Timeout(20)
    void awaitUpcallParkedAnswersTrueAtOnceWhenAnUpcallIsDue() {
        raise();
        assertTrue(demux.awaitUpcallParked(TimeUnit.SECONDS.toNanos(60)));
        assertEquals(1, view.looks);
    }
}
