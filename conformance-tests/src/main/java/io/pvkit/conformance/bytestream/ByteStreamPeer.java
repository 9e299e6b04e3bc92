package io.pvkit.conformance.bytestream;

import io.pvkit.rings.ByteStreamLayout;
import io.pvkit.rings.RingBrokenException;
import io.pvkit.rings.RingState;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The kit's side of a byte-stream ring, written straight onto the shared page as a C peer using
 * {@code MASK_XENSTORE_IDX} would, plus the pages of a test and the "broken" assertion.
 */
final class ByteStreamPeer implements AutoCloseable {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private Arena arena;

    /** A zero-filled, page-aligned page for the current test. */
    MemorySegment newPage() {
        if (arena == null) {
            arena = Arena.ofShared();
        }
        return arena.allocate(4096, 4096);
    }

    @Override
    public void close() {
        if (arena != null) {
            arena.close();
            arena = null;
        }
    }

    static int getInt(MemorySegment page, long offset) {
        return (int) INT.getVolatile(page, offset);
    }

    static void setInt(MemorySegment page, long offset, int value) {
        INT.setRelease(page, offset, value);
    }

    /** Sets both indices to {@code start} (what a freshly connected ring at that index looks like). */
    static void init(MemorySegment page, ByteStreamLayout layout, int start) {
        setInt(page, layout.consOffset(), start);
        setInt(page, layout.prodOffset(), start);
    }

    /** Writes {@code bytes} at index {@code at} (wrapping in the array) without publishing them. */
    static void put(MemorySegment page, ByteStreamLayout layout, int at, byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            page.set(ValueLayout.JAVA_BYTE, layout.dataOffset() + ((at + i) & (layout.size() - 1)), bytes[i]);
        }
    }

    /** Reads {@code n} bytes at index {@code at} (wrapping in the array). */
    static byte[] get(MemorySegment page, ByteStreamLayout layout, int at, int n) {
        byte[] out = new byte[n];
        for (int i = 0; i < n; i++) {
            out[i] = page.get(ValueLayout.JAVA_BYTE, layout.dataOffset() + ((at + i) & (layout.size() - 1)));
        }
        return out;
    }

    /** The kit as writer: puts the bytes at the shared prod and publishes (release) prod + n. */
    static int publish(MemorySegment page, ByteStreamLayout layout, byte[] bytes) {
        int prod = getInt(page, layout.prodOffset());
        put(page, layout, prod, bytes);
        setInt(page, layout.prodOffset(), prod + bytes.length);
        return prod + bytes.length;
    }

    /** The kit as reader: takes up to {@code n} published bytes and publishes the new cons. */
    static byte[] consume(MemorySegment page, ByteStreamLayout layout, int n) {
        int cons = getInt(page, layout.consOffset());
        int ready = getInt(page, layout.prodOffset()) - cons;
        byte[] out = get(page, layout, cons, Math.min(n, ready));
        setInt(page, layout.consOffset(), cons + out.length);
        return out;
    }

    /** A copy of the whole page. */
    static byte[] snapshot(MemorySegment page) {
        return page.toArray(ValueLayout.JAVA_BYTE);
    }

    /** Bytes 1, 2, 3, ... derived from a seed (no zero, so an untouched zero page shows). */
    static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (1 + Math.floorMod(seed * 31 + i * 7, 251));
        }
        return b;
    }

    static String hex(int index) {
        return "0x" + Integer.toHexString(index);
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
            fail(what + ": expected the ring to break cleanly (RingBrokenException or state() BROKEN), got " + e, e);
        }
        assertEquals(RingState.BROKEN, state.get(), what + ": the ring accepted it (state() is not BROKEN)");
    }

    /** Runs an action that may throw {@link RingBrokenException}; returns its result or -1 when it threw. */
    static int brokenOr(java.util.function.IntSupplier action) {
        try {
            return action.getAsInt();
        } catch (RingBrokenException expected) {
            return -1;
        }
    }
}
