package io.pvkit.conformance.ring;

import io.pvkit.abi.ring.SharedRingLayout;
import io.pvkit.rings.FrontRing;
import io.pvkit.rings.RingIdField;
import io.pvkit.rings.RingIndex;
import io.pvkit.rings.RingType;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.zip.CRC32C;

/**
 * The small request/response protocol the ring verifications speak, and the raw writes with which
 * the kit plays the peer (through {@link SharedRingLayout} offsets, as a C peer would).
 *
 * <pre>
 * request  (64 bytes): u64 id @0; u32 op @8; u32 len @12; u32 buffer_size @16; u32 crc @20; u8 payload[40] @24
 * response (24 bytes): u64 id @0; u32 op @8; u32 status @12; u32 len @16; u32 crc @20
 * </pre>
 * {@code crc} is CRC-32C of {@code payload[0..len)}. A response is acceptable when its op equals the
 * request's and its len is at most the request's buffer_size ({@link #VALIDATOR}).
 */
public final class RingTestProtocol {
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;
    /** Request size. */
    public static final int REQUEST_SIZE = 64;
    /** Response size. */
    public static final int RESPONSE_SIZE = 24;
    /** Payload capacity of a request. */
    public static final int PAYLOAD = 40;
    /** Offset of {@code op} in both entries. */
    public static final long OP = 8;
    /** Offset of {@code len} in a request. */
    public static final long REQ_LEN = 12;
    /** Offset of {@code buffer_size} in a request. */
    public static final long REQ_BUFFER_SIZE = 16;
    /** Offset of {@code crc} in both entries. */
    public static final long CRC = 20;
    /** Offset of {@code len} in a response. */
    public static final long RSP_LEN = 16;
    /**
     * The size of one slot of {@link #TYPE}: {@code sizeof(union { req; rsp; })} = 64, written as a literal (the
     * kit computes slot offsets itself, as a C peer with {@code io/ring.h} does, never with the ring type's own
     * helpers: a wrong helper would move the kit's writes along with the implementation's).
     */
    public static final int SLOT_SIZE = 64;
    /** The request, as a C struct (64 bytes, 8-aligned). */
    public static final StructLayout REQUEST_LAYOUT = MemoryLayout.structLayout(ValueLayout.JAVA_LONG.withName("id"),
            ValueLayout.JAVA_INT.withName("op"), ValueLayout.JAVA_INT.withName("len"),
            ValueLayout.JAVA_INT.withName("buffer_size"), ValueLayout.JAVA_INT.withName("crc"),
            MemoryLayout.sequenceLayout(PAYLOAD, ValueLayout.JAVA_BYTE).withName("payload"));
    /** The response, as a C struct (24 bytes, 8-aligned). */
    public static final StructLayout RESPONSE_LAYOUT = MemoryLayout.structLayout(ValueLayout.JAVA_LONG.withName("id"),
            ValueLayout.JAVA_INT.withName("op"), ValueLayout.JAVA_INT.withName("status"),
            ValueLayout.JAVA_INT.withName("len"), ValueLayout.JAVA_INT.withName("crc"));
    /** The ring type, from the two structs: ids are u64 at offset 0 of both entries (equal to {@link #type()}). */
    public static final RingType TYPE = type();
    /** The frontend's response checks: same op, len within the request's buffer. */
    public static final FrontRing.ResponseValidator VALIDATOR = (request, response) ->
            request.get(U32, OP) == response.get(U32, OP)
                    && Integer.compareUnsigned(response.get(U32, RSP_LEN), request.get(U32, REQ_BUFFER_SIZE)) <= 0;

    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private RingTestProtocol() {
    }

    /**
     * The ring type, built from the two structs with {@code RingType.of} on every call: the verifications' fixtures
     * build their type when a test runs, not once in a static initialiser, so the type handed to the implementation
     * is built by the code under test at that moment.
     *
     * @return a type equal to {@link #TYPE}
     */
    public static RingType type() {
        return RingType.of("pvkit_conformance", REQUEST_LAYOUT, RESPONSE_LAYOUT, new RingIdField(0, 8), new RingIdField(0, 8));
    }

    /**
     * A request with a payload derived from {@code seed}.
     *
     * @param op the operation
     * @param seed the payload seed
     * @return a fresh private request (id 0)
     */
    public static MemorySegment request(int op, long seed) {
        MemorySegment r = MemorySegment.ofArray(new long[REQUEST_SIZE / 8]);
        int len = Math.floorMod(seed * 31 + 7, PAYLOAD + 1);
        for (int i = 0; i < len; i++) {
            r.set(ValueLayout.JAVA_BYTE, 24 + i, (byte) (seed * 131 + i * 17));
        }
        r.set(U32, OP, op);
        r.set(U32, REQ_LEN, len);
        r.set(U32, REQ_BUFFER_SIZE, PAYLOAD);
        r.set(U32, CRC, crc(r, len));
        return r;
    }

    /**
     * The answer a correct backend gives: same id and op, status 0, len and crc of the request.
     *
     * @param request a private request copy
     * @return a fresh response
     */
    public static MemorySegment answer(MemorySegment request) {
        MemorySegment r = MemorySegment.ofArray(new long[RESPONSE_SIZE / 8]);
        r.set(U64, 0, request.get(U64, 0));
        r.set(U32, OP, request.get(U32, OP));
        int len = request.get(U32, REQ_LEN);
        boolean ok = Integer.compareUnsigned(len, PAYLOAD) <= 0 && crc(request, len) == request.get(U32, CRC);
        r.set(U32, 12, ok ? 0 : 1);
        r.set(U32, RSP_LEN, ok ? len : 0);
        r.set(U32, CRC, request.get(U32, CRC));
        return r;
    }

    /**
     * Whether a request's crc matches its payload.
     *
     * @param request a request copy
     * @return true when intact
     */
    public static boolean intact(MemorySegment request) {
        int len = request.get(U32, REQ_LEN);
        return Integer.compareUnsigned(len, PAYLOAD) <= 0 && crc(request, len) == request.get(U32, CRC);
    }

    static int crc(MemorySegment entry, int len) {
        CRC32C crc = new CRC32C();
        crc.update(entry.asSlice(24, len).toArray(ValueLayout.JAVA_BYTE));
        return (int) crc.getValue();
    }

    // ---- raw peer writes ----

    /** {@code 64 + (index & (size-1)) * 64}: where io/ring.h puts the entry of {@code index} for {@link #TYPE}. */
    static long slot(int index, int size) {
        return slot(index, size, SLOT_SIZE);
    }

    /** {@code 64 + (index & (size-1)) * slotSize}, computed by the kit (RING-20). */
    static long slot(int index, int size, int slotSize) {
        return SharedRingLayout.HEADER_SIZE + (long) (index & (size - 1)) * slotSize;
    }

    static void sharedRingInit(MemorySegment page, int start) {
        page.asSlice(0, SharedRingLayout.HEADER_SIZE).fill((byte) 0);
        page.set(ValueLayout.JAVA_INT, SharedRingLayout.REQ_PROD_OFFSET, start);
        page.set(ValueLayout.JAVA_INT, SharedRingLayout.RSP_PROD_OFFSET, start);
        page.set(ValueLayout.JAVA_INT, SharedRingLayout.REQ_EVENT_OFFSET, start + 1);
        page.set(ValueLayout.JAVA_INT, SharedRingLayout.RSP_EVENT_OFFSET, start + 1);
        VarHandle.fullFence();
    }

    static int getInt(MemorySegment page, long offset) {
        return (int) INT.getVolatile(page, offset);
    }

    static int getIntAcquire(MemorySegment page, long offset) {
        return (int) INT.getAcquire(page, offset);
    }

    static void setIntVolatile(MemorySegment page, long offset, int value) {
        INT.setVolatile(page, offset, value);
    }

    static void setIntRelease(MemorySegment page, long offset, int value) {
        INT.setRelease(page, offset, value);
    }

    /** The io/ring.h notify decision, as the kit's peer computes it. */
    static boolean pushAndCheck(MemorySegment page, long prodOffset, long eventOffset, int oldProd, int newProd) {
        setIntRelease(page, prodOffset, newProd);
        VarHandle.fullFence();
        return RingIndex.eventInWindow(getInt(page, eventOffset), oldProd, newProd);
    }

    /** Writes a request with the given id into the slot of {@code index} (the kit as frontend). */
    static MemorySegment writeRequest(MemorySegment page, int size, int index, long id, int op, long seed) {
        MemorySegment r = request(op, seed);
        r.set(U64, 0, id);
        MemorySegment.copy(r, 0, page, slot(index, size), REQUEST_SIZE);
        return r;
    }

    /** Writes a response into the slot of {@code index} (the kit as backend). */
    static void writeResponse(MemorySegment page, int size, int index, MemorySegment response) {
        MemorySegment.copy(response, 0, page, slot(index, size), RESPONSE_SIZE);
    }
}
