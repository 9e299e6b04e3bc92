package io.pvkit.abi.ring;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Header of a Xen shared ring page ({@code struct *_sring} from {@code DEFINE_RING_TYPES} in
 * {@code io/ring.h}, interface version 0x00040e00); the slots start at byte 64 ({@link #HEADER_SIZE}).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                      req_prod   [front]                        |  0
 * |                      req_event  [back]                         |  4
 * |                      rsp_prod   [back]                         |  8
 * |                      rsp_event  [front]                        | 12
 * |                      pvt (pvt_pad[4])                          | 16
 * |                      __pad[44]  (zero)                         | 20..63
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                      ring[] (union req/rsp slots)              | 64..
 * </pre>
 *
 * <p>Byte order: native (little-endian on x86_64); both parties are on the same machine.
 */
public final class SharedRingLayout {
    /** The 64-byte header; the C name of a concrete instance is e.g. {@code blkif_sring}. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("req_prod"),
            JAVA_INT.withName("req_event"),
            JAVA_INT.withName("rsp_prod"),
            JAVA_INT.withName("rsp_event"),
            MemoryLayout.sequenceLayout(4, JAVA_BYTE).withName("pvt"),
            MemoryLayout.paddingLayout(44))
            .withName("sring_header");

    /** Size of the header; the first slot starts here. */
    public static final long HEADER_SIZE = LAYOUT.byteSize();
    /** Offset of {@code req_prod}. */
    public static final long REQ_PROD_OFFSET = LAYOUT.byteOffset(groupElement("req_prod"));
    /** Offset of {@code req_event}. */
    public static final long REQ_EVENT_OFFSET = LAYOUT.byteOffset(groupElement("req_event"));
    /** Offset of {@code rsp_prod}. */
    public static final long RSP_PROD_OFFSET = LAYOUT.byteOffset(groupElement("rsp_prod"));
    /** Offset of {@code rsp_event}. */
    public static final long RSP_EVENT_OFFSET = LAYOUT.byteOffset(groupElement("rsp_event"));
    /** Offset of the protocol-specific {@code pvt} union. */
    public static final long PVT_OFFSET = LAYOUT.byteOffset(groupElement("pvt"));

    /** {@code req_prod} as a (MemorySegment, long base) var handle. */
    public static final VarHandle REQ_PROD = LAYOUT.varHandle(groupElement("req_prod")).withInvokeExactBehavior();
    /** {@code req_event} as a (MemorySegment, long base) var handle. */
    public static final VarHandle REQ_EVENT = LAYOUT.varHandle(groupElement("req_event")).withInvokeExactBehavior();
    /** {@code rsp_prod} as a (MemorySegment, long base) var handle. */
    public static final VarHandle RSP_PROD = LAYOUT.varHandle(groupElement("rsp_prod")).withInvokeExactBehavior();
    /** {@code rsp_event} as a (MemorySegment, long base) var handle. */
    public static final VarHandle RSP_EVENT = LAYOUT.varHandle(groupElement("rsp_event")).withInvokeExactBehavior();

    private SharedRingLayout() {
    }

    /**
     * The number of slots {@code io/ring.h}'s {@code __RING_SIZE} gives: the slots that fit after the
     * header, rounded down to a power of two (0 when none fit).
     *
     * @param ringBytes the size of the shared ring area (one or more pages)
     * @param slotSize the slot size: the size of the request/response union
     * @return the number of slots, a power of two or 0
     */
    public static int ringSize(long ringBytes, long slotSize) {
        if (slotSize <= 0) {
            throw new IllegalArgumentException("slot size must be positive: " + slotSize);
        }
        long n = (ringBytes - HEADER_SIZE) / slotSize;
        if (n <= 0) {
            return 0;
        }
        return (int) Long.highestOneBit(Math.min(n, 1L << 30));
    }
}
