package io.pvkit.conformance.ring;

import io.pvkit.abi.memory.ForwardingMemoryAccess;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.rings.RingBrokenException;
import io.pvkit.rings.RingState;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** Shared plumbing of the two ring verifications: pages in a per-test arena, the "broken" assertion. */
abstract class RingVerificationSupport implements AutoCloseable {
    private Arena arena = Arena.ofShared();

    /** Pages of shared ring memory for the current test, zero-filled, page-aligned. */
    final MemorySegment newPage(int pages) {
        if (arena == null) {
            arena = Arena.ofShared();
        }
        return arena.allocate(4096L * pages, 4096);
    }

    @Override
    public void close() {
        if (arena != null) {
            arena.close();
            arena = null;
        }
    }

    /**
     * A page seen as a ring area of only {@code bytes} bytes ({@code byteSize()} and {@code contains} say so), for
     * areas shorter than a page (RING-20: too small for one slot, or exactly one slot).
     */
    static MemoryAccess truncated(MemorySegment page, long bytes) {
        return new ForwardingMemoryAccess(GuestMemory.wrap(page)) {
            @Override
            public long byteSize() {
                return bytes;
            }

            @Override
            public boolean contains(long gpa, long length) {
                return gpa >= 0 && length >= 0 && gpa <= bytes - length;
            }
        };
    }

    /**
     * Runs {@code action} against a hostile peer; passes when it throws {@link RingBrokenException} or
     * returns with {@code state} reporting {@link RingState#BROKEN}. Any other exception is a failure.
     */
    static void assertBreaks(String what, Runnable action, Supplier<RingState> state) {
        try {
            action.run();
        } catch (RingBrokenException expected) {
            assertEquals(RingState.BROKEN, state.get(), what + ": threw RingBrokenException but state() is not BROKEN");
            return;
        } catch (RuntimeException | AssertionError e) {
            fail(what + ": expected the ring to break cleanly, got " + e, e);
        }
        assertEquals(RingState.BROKEN, state.get(), what + ": the ring accepted it");
    }

    /** Runs an action; a RingBrokenException is allowed (the ring may declare itself broken), others fail. */
    static boolean survives(Runnable action) {
        try {
            action.run();
            return true;
        } catch (RingBrokenException allowed) {
            return false;
        }
    }
}
