package io.pvkit.conformance.evtchn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pvkit.abi.evtchn.SharedInfoLayout;
import io.pvkit.abi.evtchn.VcpuInfoLayout;
import io.pvkit.abi.memory.MemoryAccess;
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
        final MemoryAccess m;
        final IntConsumer[] handlers = new IntConsumer[SharedInfoLayout.NR_2L_CHANNELS];
        final long vi = SharedInfoLayout.vcpuInfoOffset(0);

        BrokenDemux(MemoryAccess m) {
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

        @Override
        public void unregister(int port) {
            mask(port);
            handlers[port] = null;
        }

        /** Acks and runs a port served here; a port with no handler here (another vCPU's) is left pending. */
        boolean ackAndRun(int port) {
            if (handlers[port] == null) {
                return false;
            }
            long old = m.getAndBitwiseAndLong(word(SharedInfoLayout.EVTCHN_PENDING_OFFSET, port), ~bit(port));
            IntConsumer h = handlers[port];   // looked up again after the ack
            if ((old & bit(port)) == 0 || h == null) {
                return false;
            }
            h.accept(port);
            return true;
        }
    }

    /** Snapshot scan per word, but loops while evtchn_upcall_pending is set again: no round cap. */
    static final class NoRoundCap extends BrokenDemux {
        NoRoundCap(MemoryAccess m) {
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
        LowestFirst(MemoryAccess m) {
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

        UnmaskWithoutRaise(MemoryAccess m) {
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
        public void unregister(int port) {
            real.unregister(port);
        }

        @Override
        public void handleUpcall() {
            real.handleUpcall();
        }
    }

    /** Acks before the call, but calls the same handler again while the port is pending (cached handler). */
    static final class RedispatchWhilePending extends BrokenDemux {
        RedispatchWhilePending(MemoryAccess m) {
            super(m);
        }

        @Override
        public void handleUpcall() {
            long sel = takeSelector();
            for (int w = 0; w < 64; w++) {
                if ((sel & (1L << w)) == 0) {
                    continue;
                }
                long bits = active(w);
                for (int b = 0; b < 64; b++) {
                    int port = (w << 6) + b;
                    IntConsumer h = handlers[port];
                    if ((bits & (1L << b)) == 0 || h == null) {
                        continue;
                    }
                    int budget = 8;
                    while (budget-- > 0 && (m.getAndBitwiseAndLong(word(SharedInfoLayout.EVTCHN_PENDING_OFFSET, port),
                            ~bit(port)) & bit(port)) != 0) {
                        h.accept(port);
                    }
                }
            }
        }
    }

    /** Polls every word on each upcall and never acks: a pending port is handled again on every upcall. */
    static final class NoAckPolling extends BrokenDemux {
        NoAckPolling(MemoryAccess m) {
            super(m);
        }

        @Override
        public void handleUpcall() {
            takeSelector();
            for (int w = 0; w < 64; w++) {
                long bits = active(w);
                for (int b = 0; b < 64; b++) {
                    if ((bits & (1L << b)) != 0 && handlers[(w << 6) + b] != null) {
                        handlers[(w << 6) + b].accept((w << 6) + b);
                    }
                }
            }
        }
    }

    /** Acks each bit of its pending & ~mask snapshot with a clear whose result it ignores, then dispatches. */
    static final class DispatchFromSnapshot extends BrokenDemux {
        DispatchFromSnapshot(MemoryAccess m) {
            super(m);
        }

        @Override
        public void handleUpcall() {
            long sel = takeSelector();
            for (int w = 0; w < 64; w++) {
                if ((sel & (1L << w)) == 0) {
                    continue;
                }
                long bits = active(w);
                for (int b = 0; b < 64; b++) {
                    int port = (w << 6) + b;
                    if ((bits & (1L << b)) != 0 && handlers[port] != null) {
                        m.getAndBitwiseAndLong(word(SharedInfoLayout.EVTCHN_PENDING_OFFSET, port), ~bit(port));
                        handlers[port].accept(port); // trusts the snapshot, not the ack
                    }
                }
            }
        }
    }

    /** pv-events' demultiplexer with one method replaced by the subclass: every method delegates by default. */
    abstract static class OverRealDemux extends BrokenDemux {
        final UpcallDemultiplexer real;

        OverRealDemux(MemoryAccess m) {
            super(m);
            real = new UpcallDemultiplexer(m, 0, 0);
        }

        @Override
        public void register(int port, IntConsumer handler) {
            real.register(port, handler::accept);
        }

        @Override
        public void mask(int port) {
            real.mask(port);
        }

        @Override
        public void unmask(int port) {
            real.unmask(port);
        }

        @Override
        public void handleUpcall() {
            real.handleUpcall();
        }

        @Override
        public void unregister(int port) {
            real.unregister(port);
        }
    }

    /** pv-events' demultiplexer, but unregister leaves the port unmasked (it only drops the handler). */
    static final class UnregisterLeavesUnmasked extends OverRealDemux {
        UnregisterLeavesUnmasked(MemoryAccess m) {
            super(m);
        }

        @Override
        public void unregister(int port) {
            real.unregister(port);
            m.getAndBitwiseAndLong(word(SharedInfoLayout.EVTCHN_MASK_OFFSET, port), ~bit(port));
        }
    }

    /** pv-events' demultiplexer, but unregister only masks the port: the old handler stays registered. */
    static final class UnregisterOnlyMasks extends OverRealDemux {
        UnregisterOnlyMasks(MemoryAccess m) {
            super(m);
        }

        @Override
        public void unregister(int port) {
            real.mask(port);
        }
    }

    /** pv-events' demultiplexer, but unregister masks the port's whole word ({@code mask |= ~0L}). */
    static final class UnregisterMasksItsWord extends OverRealDemux {
        UnregisterMasksItsWord(MemoryAccess m) {
            super(m);
        }

        @Override
        public void unregister(int port) {
            real.unregister(port);
            m.getAndBitwiseOrLong(word(SharedInfoLayout.EVTCHN_MASK_OFFSET, port), -1L);
        }
    }

    /** pv-events' scan, but unmask raises selector bit 0 whatever the port's word (port << 6 for port >>> 6). */
    static final class UnmaskSelectsWordZero extends OverRealDemux {
        UnmaskSelectsWordZero(MemoryAccess m) {
            super(m);
        }

        @Override
        public void unmask(int port) {
            m.getAndBitwiseAndLong(word(SharedInfoLayout.EVTCHN_MASK_OFFSET, port), ~bit(port));
            if ((m.getLongVolatile(word(SharedInfoLayout.EVTCHN_PENDING_OFFSET, port)) & bit(port)) != 0) {
                m.getAndBitwiseOrLong(vi + VcpuInfoLayout.PENDING_SEL_OFFSET, 1L << ((port << 6) & 63));
                m.getAndBitwiseOrByte(vi + VcpuInfoLayout.UPCALL_PENDING_OFFSET, 1);
            }
        }
    }

    static final class WordZeroUnmask extends GuestUpcallVerification {
        @Override
        protected GuestVcpuUnderTest createGuest(MemoryAccess memory, long sharedInfoGfn, int vcpu) {
            return new UnmaskSelectsWordZero(memory);
        }
    }

    static final class KeepsTheHandler extends GuestUpcallVerification {
        @Override
        protected GuestVcpuUnderTest createGuest(MemoryAccess memory, long sharedInfoGfn, int vcpu) {
            return new UnregisterOnlyMasks(memory);
        }
    }

    static final class MasksTheWord extends GuestUpcallVerification {
        @Override
        protected GuestVcpuUnderTest createGuest(MemoryAccess memory, long sharedInfoGfn, int vcpu) {
            return new UnregisterMasksItsWord(memory);
        }
    }

    /** A bounded scan written for a 32-bit selector: words 32..63 are swallowed with the selector, never served. */
    static final class ThirtyTwoWords extends BrokenDemux {
        ThirtyTwoWords(MemoryAccess m) {
            super(m);
        }

        @Override
        public void handleUpcall() {
            int rounds = 0;
            do {
                long sel = takeSelector();
                for (int w = 0; w < 32; w++) {
                    if ((sel & (1L << w)) != 0) {
                        long bits = active(w);
                        for (int b = 0; b < 64; b++) {
                            if ((bits & (1L << b)) != 0) {
                                ackAndRun((w << 6) + b);
                            }
                        }
                    }
                }
            } while (++rounds < 4 && m.getByte(vi + VcpuInfoLayout.UPCALL_PENDING_OFFSET) != 0);
        }
    }

    /**
     * Serves every selected word once per scan from a snapshot, acks before it runs a handler, caps its rounds: right
     * in every respect but one, it resumes at the word after the last port served (bit 0), not at the next port, so a
     * word's other ports after a served one wait for the scan to come round again.
     */
    static final class ResumesAtNextWord extends BrokenDemux {
        private int nextWord;

        ResumesAtNextWord(MemoryAccess m) {
            super(m);
        }

        @Override
        public void handleUpcall() {
            int rounds = 0;
            do {
                long sel = takeSelector();
                int start = nextWord;
                for (int i = 0; i < 64; i++) {
                    int w = (start + i) & 63;
                    if ((sel & (1L << w)) == 0) {
                        continue;
                    }
                    long bits = active(w);
                    for (int b = 0; b < 64; b++) {
                        if ((bits & (1L << b)) != 0 && ackAndRun((w << 6) + b)) {
                            nextWord = (w + 1) & 63;
                        }
                    }
                }
            } while (++rounds < 4 && m.getByte(vi + VcpuInfoLayout.UPCALL_PENDING_OFFSET) != 0);
        }
    }

    /**
     * Keeps, like pv-events, a set of the ports it serves and reads it after the mask word for its {@code pending & ~mask
     * & served} snapshot; the subclass decides what unregister leaves behind. Scans from word 0 on every upcall
     * (EVTG-05).
     */
    abstract static class ServedSetDemux extends BrokenDemux {
        final long[] served = new long[64];

        ServedSetDemux(MemoryAccess m) {
            super(m);
        }

        @Override
        public void register(int port, IntConsumer handler) {
            super.register(port, handler);
            served[port >>> 6] |= bit(port);
        }

        /** Acks {@code port} (in this upcall's snapshot) and runs its handler, if any. */
        void serve(int port) {
            long old = m.getAndBitwiseAndLong(word(SharedInfoLayout.EVTCHN_PENDING_OFFSET, port), ~bit(port));
            IntConsumer h = handlers[port];
            if ((old & bit(port)) != 0 && h != null) {
                h.accept(port);
            }
        }

        @Override
        public void handleUpcall() {
            int rounds = 0;
            do {
                long sel = takeSelector();
                for (int w = 0; w < 64; w++) {
                    if ((sel & (1L << w)) == 0) {
                        continue;
                    }
                    long bits = active(w) & served[w];
                    for (int b = 0; b < 64; b++) {
                        if ((bits & (1L << b)) != 0) {
                            serve((w << 6) + b);
                        }
                    }
                }
            } while (++rounds < 4 && m.getByte(vi + VcpuInfoLayout.UPCALL_PENDING_OFFSET) != 0);
        }
    }

    /**
     * Unregister masks the port and takes it out of the served set but keeps its handler (pv-events' mutant:
     * {@code handlers.set(port, null)} removed from {@code unregister}): a port unregistered after the scan's snapshot
     * is still acked and dispatched to the dropped handler.
     */
    static final class UnregisterKeepsTheHandler extends ServedSetDemux {
        UnregisterKeepsTheHandler(MemoryAccess m) {
            super(m);
        }

        @Override
        public void unregister(int port) {
            mask(port);
            served[port >>> 6] &= ~bit(port);
        }
    }

    /**
     * Unregister masks the port and drops its handler but leaves it in the served set (pv-events' mutant: the
     * {@code bound} bit cleared with {@code 1L >> bit}, i.e. not at all): the port, unmasked and raised by a hostile
     * peer, is acked although the vCPU no longer serves it.
     */
    static final class UnregisterKeepsThePortServed extends ServedSetDemux {
        UnregisterKeepsThePortServed(MemoryAccess m) {
            super(m);
        }

        @Override
        public void unregister(int port) {
            mask(port);
            handlers[port] = null;
        }
    }

    static final class StillServedAfterUnregister extends GuestUpcallVerification {
        @Override
        protected GuestVcpuUnderTest createGuest(MemoryAccess memory, long sharedInfoGfn, int vcpu) {
            return new UnregisterKeepsThePortServed(memory);
        }
    }

    static final class HandlerKeptAfterUnregister extends GuestUpcallVerification {
        @Override
        protected GuestVcpuUnderTest createGuest(MemoryAccess memory, long sharedInfoGfn, int vcpu) {
            return new UnregisterKeepsTheHandler(memory);
        }
    }

    static final class NextWordResume extends GuestUpcallVerification {
        @Override
        protected GuestVcpuUnderTest createGuest(MemoryAccess memory, long sharedInfoGfn, int vcpu) {
            return new ResumesAtNextWord(memory);
        }
    }

    static final class HalfSelector extends GuestUpcallVerification {
        @Override
        protected GuestVcpuUnderTest createGuest(MemoryAccess memory, long sharedInfoGfn, int vcpu) {
            return new ThirtyTwoWords(memory);
        }
    }

    static final class UnmaskedAfterUnregister extends GuestUpcallVerification {
        @Override
        protected GuestVcpuUnderTest createGuest(MemoryAccess memory, long sharedInfoGfn, int vcpu) {
            return new UnregisterLeavesUnmasked(memory);
        }
    }

    static final class Snapshot extends GuestUpcallVerification {
        @Override
        protected GuestVcpuUnderTest createGuest(MemoryAccess memory, long sharedInfoGfn, int vcpu) {
            return new DispatchFromSnapshot(memory);
        }
    }

    static final class Reuse extends GuestUpcallVerification {
        @Override
        protected GuestVcpuUnderTest createGuest(MemoryAccess memory, long sharedInfoGfn, int vcpu) {
            return new RedispatchWhilePending(memory);
        }
    }

    static final class NoAck extends GuestUpcallVerification {
        @Override
        protected GuestVcpuUnderTest createGuest(MemoryAccess memory, long sharedInfoGfn, int vcpu) {
            return new NoAckPolling(memory);
        }
    }

    static final class Correct extends PvEventsGuestUpcallConformanceTest {
    }

    /**
     * pv-events' demultiplexers of a two-vCPU guest with their unmask replaced by {@code unmask}, which gets the page, the
     * vCPU and the port: every other method is pv-events' own.
     */
    abstract static class TwoVcpusUnmaskReplaced extends PvEventsGuestUpcallConformanceTest {
        abstract void unmask(MemoryAccess m, int vcpu, int port);

        @Override
        protected GuestVcpuUnderTest createGuestVcpu(MemoryAccess memory, long sharedInfoGfn, int vcpu,
                UnmaskHypercall unmaskHypercall) {
            GuestVcpuUnderTest real = super.createGuestVcpu(memory, sharedInfoGfn, vcpu, unmaskHypercall);
            return new GuestVcpuUnderTest() {
                @Override
                public void register(int port, IntConsumer handler) {
                    real.register(port, handler);
                }

                @Override
                public void mask(int port) {
                    real.mask(port);
                }

                @Override
                public void unmask(int port) {
                    TwoVcpusUnmaskReplaced.this.unmask(memory, vcpu, port);
                }

                @Override
                public void handleUpcall() {
                    real.handleUpcall();
                }

                @Override
                public void unregister(int port) {
                    real.unregister(port);
                }
            };
        }

        /** Linux's local path of {@code evtchn_2l_unmask} on {@code vcpu}: clear the mask, raise this vCPU when pending. */
        static void localUnmask(MemoryAccess m, int vcpu, int port) {
            long vi = SharedInfoLayout.vcpuInfoOffset(vcpu);
            m.getAndBitwiseAndLong(BrokenDemux.word(SharedInfoLayout.EVTCHN_MASK_OFFSET, port), ~BrokenDemux.bit(port));
            if ((m.getLongVolatile(BrokenDemux.word(SharedInfoLayout.EVTCHN_PENDING_OFFSET, port))
                    & BrokenDemux.bit(port)) != 0
                    && (m.getAndBitwiseOrLong(vi + VcpuInfoLayout.PENDING_SEL_OFFSET, 1L << (port >>> 6))
                    & (1L << (port >>> 6))) == 0) {
                m.getAndBitwiseOrByte(vi + VcpuInfoLayout.UPCALL_PENDING_OFFSET, 1);
            }
        }
    }

    /**
     * Issue 9's finding, planted: unmask takes the local path for every port, also one bound to the other vCPU (this
     * vCPU's selector bit and evtchn_upcall_pending are set, its scan skips the port: stuck). Right for the vCPU's own
     * ports, so every single-vCPU rule passes.
     */
    static final class UnmaskAlwaysLocal extends TwoVcpusUnmaskReplaced {
        @Override
        void unmask(MemoryAccess m, int vcpu, int port) {
            localUnmask(m, vcpu, port);
        }
    }

    /** The two-vCPU guest's unmask only clears the mask bit: no hypercall, a pending port of the other vCPU is never raised. */
    static final class ForeignUnmaskOnlyClearsTheMask extends TwoVcpusUnmaskReplaced {
        @Override
        void unmask(MemoryAccess m, int vcpu, int port) {
            m.getAndBitwiseAndLong(BrokenDemux.word(SharedInfoLayout.EVTCHN_MASK_OFFSET, port), ~BrokenDemux.bit(port));
        }
    }

    static final class NoCap extends GuestUpcallVerification {
        @Override
        protected GuestVcpuUnderTest createGuest(MemoryAccess memory, long sharedInfoGfn, int vcpu) {
            return new NoRoundCap(memory);
        }
    }

    static final class Unfair extends GuestUpcallVerification {
        @Override
        protected GuestVcpuUnderTest createGuest(MemoryAccess memory, long sharedInfoGfn, int vcpu) {
            return new LowestFirst(memory);
        }
    }

    static final class Unmask extends GuestUpcallVerification {
        @Override
        protected GuestVcpuUnderTest createGuest(MemoryAccess memory, long sharedInfoGfn, int vcpu) {
            return new UnmaskWithoutRaise(memory);
        }
    }

    @Test
    void correctDemultiplexerPassesBothRules() {
        SelfTestReport report = SelfTest.run(Correct.class);
        assertEquals(Set.of(), report.failedRules(), () -> "failures: " + report);
        assertEquals(Set.of("EVTG-01", "EVTG-02", "EVTG-03", "EVTG-04", "EVTG-05", "EVTG-06", "FE-08"),
                report.passedRules());
    }

    @Test
    void evtg06CatchesAnUnmaskThatRaisesAnotherVcpusPortLocally() {
        SelfTestReport report = SelfTest.run(UnmaskAlwaysLocal.class);
        assertEquals(Set.of("EVTG-06"), report.failedRules(), report::toString);
        assertTrue(report.failuresOf("EVTG-06").getFirst().getMessage().contains("the unmasking vCPU's evtchn_pending_sel"),
                report::toString);
    }

    @Test
    void evtg06CatchesAnUnmaskThatLeavesAnotherVcpusPortStuck() {
        SelfTestReport report = SelfTest.run(ForeignUnmaskOnlyClearsTheMask.class);
        assertEquals(Set.of("EVTG-06"), report.failedRules(), report::toString);
        assertTrue(report.failuresOf("EVTG-06").getFirst().getMessage().contains("the port's own vCPU was not raised"),
                report::toString);
    }

    @Test
    void evtg03CatchesADemuxThatRedispatchesToACachedHandler() {
        SelfTestReport report = SelfTest.run(Reuse.class);
        // every hand-written demultiplexer that scans from word 0 on every upcall also breaks EVTG-05's order
        assertEquals(Set.of("EVTG-03", "EVTG-05"), report.failedRules(), report::toString);
        assertTrue(report.failuresOf("EVTG-03").getFirst().getMessage().contains("old handler"), report::toString);
    }

    @Test
    void evtg01CatchesAScanOfHalfTheSelectorWords() {
        SelfTestReport report = SelfTest.run(HalfSelector.class);
        assertEquals(Set.of("EVTG-01", "EVTG-05"), report.failedRules(), report::toString);
        assertEquals(1, report.failuresOf("EVTG-01").size(), report::toString);
        assertTrue(report.failuresOf("EVTG-01").getFirst().getMessage().contains("port 4032 raised once"),
                report::toString);
    }

    @Test
    void evtg03CatchesAnUnregisterThatLeavesThePortUnmasked() {
        SelfTestReport report = SelfTest.run(UnmaskedAfterUnregister.class);
        assertEquals(Set.of("EVTG-03"), report.failedRules(), report::toString);
        assertTrue(report.failuresOf("EVTG-03").getFirst().getMessage().contains("must be masked"), report::toString);
    }

    @Test
    void evtg02CatchesAnUnmaskThatSelectsTheWrongWord() {
        SelfTestReport report = SelfTest.run(WordZeroUnmask.class);
        assertEquals(Set.of("EVTG-02"), report.failedRules(), report::toString);
        assertTrue(report.failuresOf("EVTG-02").getFirst().getMessage().contains("selector word 2"), report::toString);
    }

    @Test
    void evtg03CatchesAnUnregisterThatKeepsTheHandler() {
        SelfTestReport report = SelfTest.run(KeepsTheHandler.class);
        assertEquals(Set.of("EVTG-03"), report.failedRules(), report::toString);
        assertTrue(report.failuresOf("EVTG-03").getFirst().getMessage().contains("its dropped handler ran"),
                report::toString);
    }

    @Test
    void evtg03CatchesAnUnregisterThatKeepsTheHandlerOfAPortInTheScansSnapshot() {
        SelfTestReport report = SelfTest.run(HandlerKeptAfterUnregister.class);
        // like every hand-written demultiplexer that scans from word 0 on every upcall, it also breaks EVTG-05's order
        assertEquals(Set.of("EVTG-03", "EVTG-05"), report.failedRules(), report::toString);
        assertTrue(report.failuresOf("EVTG-03").getFirst().getMessage().contains("which the same scan served first"),
                report::toString);
    }

    @Test
    void evtg03CatchesAnUnregisterThatLeavesThePortServed() {
        SelfTestReport report = SelfTest.run(StillServedAfterUnregister.class);
        assertEquals(Set.of("EVTG-03", "EVTG-05"), report.failedRules(), report::toString);
        assertTrue(report.failuresOf("EVTG-03").getFirst().getMessage().contains("was acked by the guest's upcall"),
                report::toString);
    }

    @Test
    void evtg03CatchesAnUnregisterThatMasksTheWholeWord() {
        SelfTestReport report = SelfTest.run(MasksTheWord.class);
        assertEquals(Set.of("EVTG-03"), report.failedRules(), report::toString);
        assertTrue(report.failuresOf("EVTG-03").getFirst().getMessage().contains("which the guest unregistered"),
                report::toString);
    }

    @Test
    void fe08CatchesAFrontendThatHandlesAStormOnEveryUpcall() {
        SelfTestReport report = SelfTest.run(NoAck.class);
        // a guest that never acks breaks every guest rule; FE-08 names the frontend's cost of it
        assertEquals(Set.of("EVTG-01", "EVTG-02", "EVTG-03", "EVTG-04", "EVTG-05", "FE-08"), report.failedRules(),
                report::toString);
        assertTrue(report.failuresOf("FE-08").getFirst().getMessage().contains("nothing newly pending"), report::toString);
    }

    @Test
    void evtg01CatchesAnUpcallWithoutRoundCap() {
        SelfTestReport report = SelfTest.run(NoCap.class);
        // FE-08's re-sending storm is the same defect seen from the frontend
        assertEquals(Set.of("EVTG-01", "EVTG-05", "FE-08"), report.failedRules(), report::toString);
        // both storms catch it deterministically: the handler-driven one and the never-ending hostile one
        assertEquals(2, report.failuresOf("EVTG-01").size(), report::toString);
        assertTrue(report.failuresOf("EVTG-01").stream().anyMatch(t -> t.getMessage().contains("made 100000 handler calls")),
                report::toString);
        assertTrue(report.failuresOf("EVTG-01").stream().anyMatch(t -> t.getMessage().contains("no round cap")),
                report::toString);
    }

    @Test
    void evtg01CatchesAScanThatStarvesOtherPorts() {
        SelfTestReport report = SelfTest.run(Unfair.class);
        // FE-08's re-sending storm starves the frontend's other port the same way
        // EVTG-03's ports of the unregistered port's word starve behind a pending port of another vCPU the same way
        assertEquals(Set.of("EVTG-01", "EVTG-03", "EVTG-05", "FE-08"), report.failedRules(), report::toString);
        assertTrue(report.failuresOf("EVTG-01").stream().anyMatch(t -> t.getMessage().contains("starved")),
                report::toString);
    }

    @Test
    void evtg02CatchesAnUnmaskThatNeverReRaises() {
        SelfTestReport report = SelfTest.run(Unmask.class);
        assertEquals(Set.of("EVTG-02"), report.failedRules(), report::toString);
    }

    @Test
    void evtg04CatchesADemuxThatDispatchesFromItsSnapshot() {
        SelfTestReport report = SelfTest.run(Snapshot.class);
        assertEquals(Set.of("EVTG-04", "EVTG-05"), report.failedRules(), report::toString);
        assertTrue(report.failuresOf("EVTG-04").getFirst().getMessage().contains("withdrew"), report::toString);
    }

    @Test
    void evtg05CatchesAScanThatResumesAtTheNextWord() {
        SelfTestReport report = SelfTest.run(NextWordResume.class);
        assertEquals(Set.of("EVTG-05"), report.failedRules(), report::toString);
        assertTrue(report.failuresOf("EVTG-05").getFirst().getMessage().contains("right after serving port 1 alone"),
                report::toString);
    }
}
