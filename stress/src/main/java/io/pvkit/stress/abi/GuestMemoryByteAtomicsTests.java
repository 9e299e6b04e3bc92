package io.pvkit.stress.abi;

import io.pvkit.abi.memory.GuestMemory;
import java.lang.foreign.Arena;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * The 8-bit atomics of {@link GuestMemory} go through the containing 32-bit word; these tests show
 * that such a read-modify-write never loses a neighbour's concurrent update of another byte of the
 * same word (the peer of a shared page may write the neighbour byte at any time).
 */
public final class GuestMemoryByteAtomicsTests {
    private GuestMemoryByteAtomicsTests() {
    }

    /** One page of GC-managed memory per state: jcstress makes many states, so no arena close each. */
    static GuestMemory page() {
        return GuestMemory.wrap(Arena.ofAuto().allocate(GuestMemory.PAGE_SIZE, GuestMemory.PAGE_SIZE));
    }

    /** An atomic OR into byte 0 races a plain store to byte 1 of the same word. */
    @JCStressTest
    @Outcome(id = "1, 7", expect = Expect.ACCEPTABLE, desc = "both updates survive")
    @Outcome(expect = Expect.FORBIDDEN, desc = "a neighbour's byte was lost")
    @State
    public static class OrVersusNeighbourStore {
        private final GuestMemory mem = page();

        /** The hypervisor sets a bit in byte 0 atomically. */
        @Actor
        public void atomicOr() {
            mem.getAndBitwiseOrByte(0, 1);
        }

        /** The guest writes byte 1 with a plain store. */
        @Actor
        public void plainStore() {
            mem.setByte(1, (byte) 7);
        }

        /**
         * Reads both bytes after the actors finished.
         *
         * @param r the two bytes
         */
        @Arbiter
        public void observe(II_Result r) {
            r.r1 = mem.getByte(0);
            r.r2 = mem.getByte(1);
        }
    }

    /** Two atomic byte updates of different bytes of one word, one OR and one AND, both survive. */
    @JCStressTest
    @Outcome(id = "3, 240", expect = Expect.ACCEPTABLE, desc = "both updates survive")
    @Outcome(expect = Expect.FORBIDDEN, desc = "an update was lost")
    @State
    public static class OrVersusAnd {
        private final GuestMemory mem = init();

        private static GuestMemory init() {
            GuestMemory m = page();
            m.setByte(1, (byte) 0xFF);
            m.setByte(2, (byte) 2);
            return m;
        }

        /** Sets bit 0 of byte 2 (which holds 2). */
        @Actor
        public void or() {
            mem.getAndBitwiseOrByte(2, 1);
        }

        /** Clears the low nibble of byte 1 (which holds 0xFF). */
        @Actor
        public void and() {
            mem.getAndBitwiseAndByte(1, 0xF0);
        }

        /**
         * Reads both bytes after the actors finished.
         *
         * @param r byte 2 and byte 1 (unsigned)
         */
        @Arbiter
        public void observe(II_Result r) {
            r.r1 = mem.getByte(2) & 0xFF;
            r.r2 = mem.getByte(1) & 0xFF;
        }
    }
}
