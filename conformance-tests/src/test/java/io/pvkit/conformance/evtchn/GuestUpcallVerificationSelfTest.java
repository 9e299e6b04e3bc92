package io.pvkit.conformance.evtchn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pvkit.abi.evtchn.SharedInfoLayout;
import io.pvkit.abi.evtchn.VcpuInfoLayout;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.conformance.selftest.SelfTest;
import io.pvkit.conformance.selftest.SelfTestReport;
import io.pvkit.events.UpcallDemultiplexer;
import java.util.Set;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.Test;

/** Each EVTG rule catches a deliberately broken guest demultiplexer; pv-events' passes both. */
class GuestUpcallVerificationSelfTest {

    /** A plain 2-level demultiplexer over the page with one deliberate flaw, chosen by the subclass. */
    abstract static class BrokenDemux implements GuestUpcallVerification.GuestVcpuUnderTest {
        final GuestMemory m;
        final IntConsumer[] handlers = new IntConsumer[SharedInfoLayout.NR_2L_CHANNELS];
        final long vi = SharedInfoLayout.vcpuInfoOffset(0);

        BrokenDemux(GuestMemory m) {
            this.m = m;
        }

        static long bit(int port) {
            return 1L << (port & 63);
        }

        static long word(long base, int port) {
            return base + (port >>> 6) * 8L;
        }

        @Override
        public void register(int port, IntConsumer handler) {
            handlers[port] = handler;
        }

        @Override
        public void mask(int port) {
            m.getAndBitwiseOrLong(word(SharedInfoLayout.EVTCHN_MASK_OFFSET, port), bit(port));
        }

        @Override
        public void unmask(int port) {
            m.getAndBitwiseAndLong(word(SharedInfoLayout.EVTCHN_MASK_OFFSET, port), ~bit(port));
            if ((m.getLongVolatile(word(SharedInfoLayout.EVTCHN_PENDING_OFFSET, port)) & bit(port)) != 0) {
                m.getAndBitwiseOrLong(vi + VcpuInfoLayout.PENDING_SEL_OFFSET, 1L << (port >>> 6));
                m.getAndBitwiseOrByte(vi + VcpuInfoLayout.UPCALL_PENDING_OFFSET, 1);
            }
        }

        /** Clears the master flag and swaps the selector. */
        long takeSelector() {
            m.getAndBitwiseAndByte(vi + VcpuInfoLayout.UPCALL_PENDING_OFFSET, 0);
            return m.getAndSetLong(vi + VcpuInfoLayout.PENDING_SEL_OFFSET, 0);
        }

        long active(int w) {
            return m.getLongVolatile(SharedInfoLayout.EVTCHN_PENDING_OFFSET + w * 8L)
                    & ~m.getLongVolatile(SharedInfoLayout.EVTCHN_MASK_OFFSET + w * 8L);
        }

        boolean ackAndRun(int port) {
            long old = m.getAndBitwiseAndLong(word(SharedInfoLayout.EVTCHN_PENDING_OFFSET, port), ~bit(port));
            if ((old & bit(port)) == 0 || handlers[port] == null) {
                return false;
            }
            handlers[port].accept(port);
            return true;
        }
    }

    /** Snapshot scan per word, but loops while evtchn_upcall_pending is set again: no round cap. */
    static final class NoRoundCap extends BrokenDemux {
        NoRoundCap(GuestMemory m) {
            super(m);
        }

        @Override
        public void handleUpcall() {
            do {
                long sel = takeSelector();
                for (int w = 0; w < 64; w++) {
                    if ((sel & (1L << w)) != 0) {
                        long bits = active(w);
                        for (int b = 0; b < 64; b++) {
                            if ((bits & (1L << b)) != 0) {
                                ackAndRun((w << 6) + b);
                            }
                        }
                    }
                }
            } while (m.getByte(vi + VcpuInfoLayout.UPCALL_PENDING_OFFSET) != 0);
        }
    }

    /** Capped, but always serves the lowest pending port again (re-reads the word; no fair resume). */
    static final class LowestFirst extends BrokenDemux {
        LowestFirst(GuestMemory m) {
            super(m);
        }

        @Override
        public void handleUpcall() {
            long sel = takeSelector();
            int served = 0;
            for (int w = 0; w < 64; w++) {
                if ((sel & (1L << w)) == 0) {
                    continue;
                }
                for (long bits = active(w); bits != 0; bits = active(w)) {
                    ackAndRun((w << 6) + Long.numberOfTrailingZeros(bits));
                    if (++served == 16) { // budget spent: leave the rest for the next upcall
                        m.getAndBitwiseOrLong(vi + VcpuInfoLayout.PENDING_SEL_OFFSET, sel);
                        m.getAndBitwiseOrByte(vi + VcpuInfoLayout.UPCALL_PENDING_OFFSET, 1);
                        return;
                    }
                }
            }
        }
    }

    /** pv-events' scan, but unmask only clears the mask bit (a pending event is never re-raised). */
    static final class UnmaskWithoutRaise extends BrokenDemux {
        final UpcallDemultiplexer real;

        UnmaskWithoutRaise(GuestMemory m) {
            super(m);
            real = new UpcallDemultiplexer(m, 0, 0);
        }

        @Override
        public void register(int port, IntConsumer handler) {
            real.register(port, handler::accept);
        }

        @Override
        public void unmask(int port) {
            m.getAndBitwiseAndLong(word(SharedInfoLayout.EVTCHN_MASK_OFFSET, port), ~bit(port));
        }

        @Override
        public void handleUpcall() {
            real.handleUpcall();
        }
    }

    static final class Correct extends PvEventsGuestUpcallConformanceTest {
    }

    static final class NoCap extends GuestUpcallVerification {
        @Override
        protected GuestVcpuUnderTest createGuest(GuestMemory memory, long sharedInfoGfn, int vcpu) {
            return new NoRoundCap(memory);
        }
    }

    static final class Unfair extends GuestUpcallVerification {
        @Override
        protected GuestVcpuUnderTest createGuest(GuestMemory memory, long sharedInfoGfn, int vcpu) {
            return new LowestFirst(memory);
        }
    }

    static final class Unmask extends GuestUpcallVerification {
        @Override
        protected GuestVcpuUnderTest createGuest(GuestMemory memory, long sharedInfoGfn, int vcpu) {
            return new UnmaskWithoutRaise(memory);
        }
    }

    @Test
    void correctDemultiplexerPassesBothRules() {
        SelfTestReport report = SelfTest.run(Correct.class);
        assertEquals(Set.of(), report.failedRules(), () -> "failures: " + report);
        assertEquals(Set.of("EVTG-01", "EVTG-02"), report.passedRules());
    }

    @Test
    void evtg01CatchesAnUpcallWithoutRoundCap() {
        SelfTestReport report = SelfTest.run(NoCap.class);
        assertEquals(Set.of("EVTG-01"), report.failedRules(), report::toString);
        // the deterministic storm always catches it; the concurrent flipper storm only when it wins the race
        assertTrue(report.failuresOf("EVTG-01").stream().anyMatch(t -> t.getMessage().contains("made 100000 handler calls")),
                report::toString);
    }

    @Test
    void evtg01CatchesAScanThatStarvesOtherPorts() {
        SelfTestReport report = SelfTest.run(Unfair.class);
        assertTrue(report.failedRules().contains("EVTG-01"), report::toString);
        assertTrue(report.failuresOf("EVTG-01").stream().anyMatch(t -> t.getMessage().contains("starved")),
                report::toString);
    }

    @Test
    void evtg02CatchesAnUnmaskThatNeverReRaises() {
        SelfTestReport report = SelfTest.run(Unmask.class);
        assertEquals(Set.of("EVTG-02"), report.failedRules(), report::toString);
    }
}
