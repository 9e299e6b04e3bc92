package io.pvkit.events;

import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.events.spi.VcpuKicker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * pvkit's Java API refuses a bad argument from the platform with {@link IllegalArgumentException} and a message that
 * names the value, and accepts every value at the edges of the documented ranges. (Guest-supplied values never throw:
 * they get an errno, see {@link EventChannelsTest}.)
 */
class ArgumentChecksTest {
    GuestMemory mem;
    EventChannels evtchn;

    @BeforeEach
    void setUp() {
        mem = GuestMemory.allocate(2);
        evtchn = new EventChannels();
    }

    @AfterEach
    void tearDown() {
        mem.close();
    }

    static void assertRefused(String message, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(message), "message '" + e.getMessage() + "' should contain '" + message + "'");
    }

    @Test
    void addDomainTakesPortLimitsFrom2To4096() {
        assertRefused("port limit must be 2..4096, got 1",
                () -> evtchn.addDomain(new DomainSpec(1, mem, 1, false), 1, VcpuKicker.POLLING, 1));
        assertRefused("got 4097", () -> evtchn.addDomain(new DomainSpec(1, mem, 1, false), 1, VcpuKicker.POLLING, 4097));
        assertRefused("got -1", () -> evtchn.addDomain(new DomainSpec(1, mem, 1, false), 1, VcpuKicker.POLLING, -1));
        assertFalse(evtchn.hasDomain(1), "a refused domain is not registered");
        evtchn.addDomain(new DomainSpec(1, mem, 1, false), 1, VcpuKicker.POLLING, 2);
        assertEquals(2, evtchn.portLimit(1));
        assertEquals(1, evtchn.allocUnbound(1, 1, 0), "port 1, the only one besides the reserved port 0");
        try (GuestMemory other = GuestMemory.allocate(2)) {
            evtchn.addDomain(new DomainSpec(2, other, 1, false), 1, VcpuKicker.POLLING, 4096);
            assertEquals(4096, evtchn.portLimit(2));
        }
    }

    @Test
    void addDomainRefusesASharedInfoFrameOutsideTheMemory() {
        for (long gfn : new long[] {2, 3, -1, Long.MAX_VALUE}) {
            assertRefused("bad shared_info frame " + gfn,
                    () -> evtchn.addDomain(new DomainSpec(1, mem, 1, false), gfn, VcpuKicker.POLLING));
        }
        assertFalse(evtchn.hasDomain(1));
        evtchn.addDomain(new DomainSpec(1, mem, 1, false), 1, VcpuKicker.POLLING); // the last frame
        assertTrue(evtchn.hasDomain(1));
    }

    @Test
    void theDemultiplexerRefusesBadFramesVcpusRoundsAndPorts() {
        assertRefused("shared_info frame 2 is not inside the memory", () -> new UpcallDemultiplexer(mem, 2, 0));
        assertRefused("shared_info frame -1 is not inside the memory", () -> new UpcallDemultiplexer(mem, -1, 0));
        assertRefused("vcpu must be 0..31", () -> new UpcallDemultiplexer(mem, 1, -1));
        assertRefused("vcpu must be 0..31", () -> new UpcallDemultiplexer(mem, 1, 32));
        assertEquals(31, new UpcallDemultiplexer(mem, 1, 31).vcpu());
        assertRefused("maxRounds must be positive, got 0", () -> new UpcallDemultiplexer(mem, 1, 0, 0));
        assertRefused("maxRounds must be positive, got -4", () -> new UpcallDemultiplexer(mem, 1, 0, -4));
        UpcallDemultiplexer d = new UpcallDemultiplexer(mem, 1, 0, 1);
        for (int bad : new int[] {0, -1, 4096, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
            assertRefused("port must be 1..4095, got " + bad, () -> d.register(bad, p -> { }));
            assertRefused("got " + bad, () -> d.unregister(bad));
            assertRefused("got " + bad, () -> d.mask(bad));
            assertRefused("got " + bad, () -> d.unmask(bad));
        }
        d.register(4095, p -> { });
        d.mask(4095);
        assertFalse(d.unmask(4095), "port 4095 is accepted (and not pending)");
        d.unregister(4095);
    }

    @Test
    void releaseDomainTakesABudgetOfAtLeastOne() {
        assertRefused("budget must be positive, got 0", () -> evtchn.releaseDomain(7, 0));
        assertRefused("got -1", () -> evtchn.releaseDomain(7, -1));
        assertTrue(evtchn.releaseDomain(7, 1));
    }

    @Test
    void theThreadKickerNeedsAtLeastOneVcpu() {
        assertRefused("vcpus must be positive, got 0", () -> new ThreadVcpuKicker(0));
        new ThreadVcpuKicker(1).kick(0);
    }
}
