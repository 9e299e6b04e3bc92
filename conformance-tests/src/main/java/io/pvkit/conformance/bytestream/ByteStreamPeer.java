package io.pvkit.conformance.bytestream;

import io.pvkit.abi.memory.ForwardingMemoryAccess;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.rings.ByteStreamLayout;
import io.pvkit.rings.RingBrokenException;
import io.pvkit.rings.RingState;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.List;
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
        return newMemory(4096);
    }

    /** Zero-filled, page-aligned shared memory of {@code bytes} bytes (whole pages) for the current test. */
    MemorySegment newMemory(long bytes) {
        if (arena == null) {
            arena = Arena.ofShared();
        }
        return arena.allocate(bytes, 4096);
    }

    @Override
    public void close() {
        if (arena != null) {
            arena.close();
            arena = null;
        }
    }

    /**
     * A ring the kit hands to the implementation ({@code given}) and where the C headers put it ({@code wire}):
     * the kit's peer writes at the wire offsets, written here as literals from the headers, never derived from
     * the layout given (a wrong layout helper would otherwise move the kit's writes along with the implementation's).
     */
    record Wire(ByteStreamLayout given, ByteStreamLayout wire, long memoryBytes) {
        Wire(ByteStreamLayout given, ByteStreamLayout wire) {
            this(given, wire, 4096);
        }
    }

    /**
     * Xenstore's two rings ({@code io/xs_wire.h}: req[1024] @0, rsp[1024] @1024, req_cons/req_prod @2048/2052,
     * rsp_cons/rsp_prod @2056/2060), the console's ({@code io/console.h}: in[1024] @0, out[2048] @1024,
     * in_cons/in_prod @3072/3076, out_cons/out_prod @3080/3084) and libxenvchan's in-page rings
     * ({@code struct vchan_interface}: left cons/prod @0/4 with 2^10 bytes at 1024, right cons/prod @8/12 with
     * 2^11 bytes at 2048), and libxenvchan's largest ring: order 20 ({@code MAX_LARGE_RING_SHIFT}), 2^20 bytes in
     * 256 granted pages, seen here mapped right after the control page (indices of {@code left} @0/4, data @4096).
     */
    static List<Wire> wires() {
        return List.of(
                new Wire(ByteStreamLayout.XENSTORE_REQUEST, new ByteStreamLayout("xs_wire.h req", 0, 1024, 2048, 2052)),
                new Wire(ByteStreamLayout.XENSTORE_RESPONSE, new ByteStreamLayout("xs_wire.h rsp", 1024, 1024, 2056, 2060)),
                new Wire(ByteStreamLayout.CONSOLE_IN, new ByteStreamLayout("console.h in", 0, 1024, 3072, 3076)),
                new Wire(ByteStreamLayout.CONSOLE_OUT, new ByteStreamLayout("console.h out", 1024, 2048, 3080, 3084)),
                new Wire(ByteStreamLayout.vchan("vchan.left", 0, 1024, 10), new ByteStreamLayout("vchan left", 1024, 1024, 0, 4)),
                new Wire(ByteStreamLayout.vchan("vchan.right", 8, 2048, 11),
                        new ByteStreamLayout("vchan right", 2048, 2048, 8, 12)),
                new Wire(ByteStreamLayout.vchan("vchan.left order 20", 0, 4096, 20),
                        new ByteStreamLayout("vchan left, order 20", 4096, 1 << 20, 0, 4), 4096 + (1 << 20)));
    }

    /**
     * Layouts and memory sizes for BS-08: each ring once in memory that holds it exactly, once in memory one
     * byte short of it, with the producer index, the consumer index and the data array in turn last (and each of the
     * three at offset 0 once: the data array, the consumer index, and the producer index of a ring whose producer index
     * comes before its consumer index).
     */
    record Fit(ByteStreamLayout layout, long bytes, boolean fits) {
    }

    static List<Fit> fits() {
        ByteStreamLayout prodLast = new ByteStreamLayout("prod last", 0, 1024, 2048, 2052);
        ByteStreamLayout consLast = new ByteStreamLayout("cons last", 0, 1024, 2052, 2048);
        ByteStreamLayout dataLast = new ByteStreamLayout("data last", 1024, 1024, 0, 4);
        ByteStreamLayout prodFirst = new ByteStreamLayout("data last, prod first", 1024, 1024, 4, 0);
        return List.of(new Fit(prodLast, 2056, true), new Fit(prodLast, 2055, false),
                new Fit(consLast, 2056, true), new Fit(consLast, 2055, false),
                new Fit(dataLast, 2048, true), new Fit(dataLast, 2047, false),
                new Fit(prodFirst, 2048, true), new Fit(prodFirst, 2047, false));
    }

    /**
     * A page seen as shared memory of only {@code bytes} bytes ({@code byteSize()} and {@code contains} say so;
     * guest memory proper is whole pages, a mapping of a ring may be shorter).
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
