package io.pvkit.rings;

import io.pvkit.abi.ring.SharedRingLayout;

import java.lang.foreign.MemoryLayout;
import java.util.Objects;

/**
 * The Java counterpart of {@code DEFINE_RING_TYPES(name, req_t, rsp_t)}: entry sizes, the slot size
 * (the size of {@code union { req_t req; rsp_t rsp; }}) and where the ids live.
 *
 * <p>The slot size is {@code max(requestSize, responseSize)} rounded up to {@code alignment}, as a C
 * union is; the number of slots of a ring area is {@link SharedRingLayout#ringSize(long, long)}
 * ({@code __RING_SIZE}).
 *
 * @param name the ring's C name, e.g. {@code "blkif"}
 * @param requestSize {@code sizeof(req_t)}
 * @param responseSize {@code sizeof(rsp_t)}
 * @param alignment the union's alignment: the larger alignment of the two entry types
 * @param requestId where the id lives in a request
 * @param responseId where the id lives in a response
 */
public record RingType(String name, int requestSize, int responseSize, int alignment,
                       RingIdField requestId, RingIdField responseId) {

    /**
     * Validates the type.
     *
     * @param name the ring's C name
     * @param requestSize {@code sizeof(req_t)}, positive
     * @param responseSize {@code sizeof(rsp_t)}, positive
     * @param alignment a power of two
     * @param requestId inside the request
     * @param responseId inside the response
     */
    public RingType {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(responseId, "responseId");
        if (requestSize <= 0 || responseSize <= 0) {
            throw new IllegalArgumentException("entry sizes must be positive: " + requestSize + ", " + responseSize);
        }
        if (alignment <= 0 || Integer.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("alignment must be a power of two: " + alignment);
        }
        if (requestId.offset() + requestId.width() > requestSize) {
            throw new IllegalArgumentException("request id outside the request: " + requestId);
        }
        if (responseId.offset() + responseId.width() > responseSize) {
            throw new IllegalArgumentException("response id outside the response: " + responseId);
        }
    }

    /**
     * A ring type from the entry layouts; the alignment is the larger of theirs.
     *
     * @param name the ring's C name
     * @param request the layout of {@code req_t}
     * @param response the layout of {@code rsp_t}
     * @param requestId where the id lives in a request
     * @param responseId where the id lives in a response
     * @return the ring type
     */
    public static RingType of(String name, MemoryLayout request, MemoryLayout response,
                              RingIdField requestId, RingIdField responseId) {
        return new RingType(name, Math.toIntExact(request.byteSize()), Math.toIntExact(response.byteSize()),
                Math.toIntExact(Math.max(request.byteAlignment(), response.byteAlignment())), requestId, responseId);
    }

    /**
     * The size of one slot: the C union of request and response.
     *
     * @return {@code max(requestSize, responseSize)} rounded up to {@code alignment}
     */
    public int slotSize() {
        int max = Math.max(requestSize, responseSize);
        return (max + alignment - 1) & -alignment;
    }

    /**
     * The number of slots in a ring area of {@code ringBytes} bytes ({@code __RING_SIZE}).
     *
     * @param ringBytes the size of the shared area (header + slots)
     * @return a power of two, or 0 when not even one slot fits
     */
    public int slotCount(long ringBytes) {
        return SharedRingLayout.ringSize(ringBytes, slotSize());
    }

    /**
     * The offset of the slot that holds {@code index} in a ring of {@code size} slots.
     *
     * @param index a free-running index
     * @param size the slot count
     * @return {@code 64 + (index & (size-1)) * slotSize}
     */
    public long slotOffset(int index, int size) {
        return SharedRingLayout.HEADER_SIZE + (long) RingIndex.slot(index, size) * slotSize();
    }
}
