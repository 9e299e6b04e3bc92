package io.pvkit.events;

import io.pvkit.abi.DomId;
import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.evtchn.SharedInfoLayout;
import io.pvkit.abi.memory.ForwardingMemoryAccess;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.events.spi.UnmaskHypercall;
import io.pvkit.events.spi.VcpuKicker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What one {@link UpcallDemultiplexer#handleUpcall()} does and returns: the number of rounds (at most
 * {@code maxRounds}, another one only while {@code evtchn_upcall_pending} was set again), and the number of handler
 * calls, which counts only ports whose handler actually ran.
 */
class UpcallRoundsTest {
    GuestMemory dom0Mem;
    GuestMemory guestMem;
    EventChannels evtchn;
    final List<Throwable> errors = new ArrayList<>();

    @BeforeEach
    void setUp() {
        dom0Mem = GuestMemory.allocate(2);
        guestMem = GuestMemory.allocate(2);
        evtchn = new EventChannels();
        evtchn.addDomain(new DomainSpec(0, dom0Mem, 1, true), 1, VcpuKicker.POLLING);
        evtchn.addDomain(new DomainSpec(1, guestMem, 1, false), 1, VcpuKicker.POLLING);
    }

    @AfterEach
    void tearDown() {
        dom0Mem.close();
        guestMem.close();
    }

    /** A channel from dom0 to the guest: {guestPort, dom0Port}, with the bind's own pending event consumed. */
    int[] channel(UpcallDemultiplexer demux) {
        int gp = evtchn.allocUnbound(1, DomId.SELF, 0);
        int dp = evtchn.bindInterdomain(0, 1, gp);
        guestMem.fill(GuestMemory.PAGE_SIZE, GuestMemory.PAGE_SIZE, (byte) 0); // no event pending, nothing masked
        return new int[] {gp, dp};
    }

    /** Rounds run: each round swaps the vCPU's selector to 0 exactly once (the only getAndSetLong on the page). */
    int rounds;

    UpcallDemultiplexer demux(int maxRounds) {
        MemoryAccess countingRounds = new ForwardingMemoryAccess(guestMem) {
            @Override
            public long getAndSetLong(long gpa, long value) {
                rounds++;
                return super.getAndSetLong(gpa, value);
            }
        };
        return new UpcallDemultiplexer(countingRounds, 1, 0, maxRounds, UnmaskHypercall.NONE, errors::add);
    }

    @Test
    void aFloodingPeerGetsOneMoreRoundOnlyWhileRoundsAreLeftAndTheUpcallStaysDue() {
        for (int maxRounds = 1; maxRounds <= 3; maxRounds++) {
            UpcallDemultiplexer demux = demux(maxRounds);
            int[] c = channel(demux);
            List<Integer> calls = new ArrayList<>();
            // the peer raises the port again while each handler call runs: every round finds more work
            demux.register(c[0], p -> {
                calls.add(p);
                assertEquals(0, evtchn.send(0, c[1]));
            });
            assertEquals(0, evtchn.send(0, c[1]));
            rounds = 0;
            int handled = demux.handleUpcall();
            assertEquals(maxRounds, rounds, "every round found the upcall due again: all maxRounds ran");
            // the first round serves the port twice (it scans from bit 0, then visits its start word again), every later
            // round once (it resumes after the port and visits the start word again): maxRounds + 1 calls, within the
            // documented bound of 2 x maxRounds
            assertEquals(maxRounds + 1, handled, "maxRounds " + maxRounds);
            assertEquals(handled, calls.size());
            assertTrue(demux.upcallPending(), "maxRounds " + maxRounds + ": more work arrived, the next upcall is due");
            evtchn.close(1, c[0]);
        }
        assertEquals(List.of(), errors);
    }

    @Test
    void anUpcallWithNoNewWorkEndsAfterOneRound() {
        UpcallDemultiplexer demux = demux(4);
        int[] c = channel(demux);
        List<Integer> calls = new ArrayList<>();
        demux.register(c[0], calls::add);
        assertEquals(0, evtchn.send(0, c[1]));
        rounds = 0;
        assertEquals(1, demux.handleUpcall());
        assertEquals(1, rounds, "evtchn_upcall_pending was not set again: no second round");
        assertEquals(List.of(c[0]), calls);
        assertFalse(demux.upcallPending());
    }

    @Test
    void aPortUnregisteredByAnEarlierHandlerOfTheSameScanIsNeitherRunNorCounted() {
        UpcallDemultiplexer demux = demux(4);
        int[] a = channel(demux);
        int[] b = channel(demux);
        assertTrue(a[0] < b[0] && b[0] < 64, "both ports in selector word 0, a first");
        List<Integer> calls = new ArrayList<>();
        demux.register(a[0], p -> {
            calls.add(p);
            demux.unregister(b[0]); // the scan already took its snapshot of word 0 with b in it
        });
        demux.register(b[0], calls::add);
        evtchn.send(0, a[1]);
        evtchn.send(0, b[1]);
        assertEquals(1, demux.handleUpcall(), "only a's handler ran");
        assertEquals(List.of(a[0]), calls);
        assertEquals(0, demux.handlerFailures());
        assertEquals(List.of(), errors, "nothing was called for b, not even a missing handler");
    }

    @Test
    void aPortWhosePendingBitWasClearedByAnEarlierHandlerOfTheSameScanIsNeitherRunNorCounted() {
        UpcallDemultiplexer demux = demux(4);
        int[] a = channel(demux);
        int[] b = channel(demux);
        List<Integer> calls = new ArrayList<>();
        demux.register(a[0], p -> {
            calls.add(p);
            // the guest closes b: Xen clears the closed port's pending bit
            assertEquals(0, evtchn.close(1, b[0]));
        });
        demux.register(b[0], calls::add);
        evtchn.send(0, a[1]);
        evtchn.send(0, b[1]);
        assertTrue(pendingBit(b[0]));
        assertEquals(1, demux.handleUpcall(), "b's event was withdrawn before its turn");
        assertEquals(List.of(a[0]), calls);
        assertEquals(List.of(), errors);
    }

    boolean pendingBit(int port) {
        long word = guestMem.getLong(GuestMemory.PAGE_SIZE + SharedInfoLayout.EVTCHN_PENDING_OFFSET + (port >>> 6) * 8L);
        return (word & (1L << (port & 63))) != 0;
    }
}
