package io.pvkit.rings;

/**
 * Why a ring was declared broken. Each fault is a peer misbehaving, never a caller mistake.
 */
public enum RingFault {
    /** {@code RING_REQUEST_PROD_OVERFLOW}: the front's {@code req_prod} is more than the ring size ahead. */
    REQUEST_PROD_OVERFLOW,
    /** The front's {@code req_prod} moved behind requests the back has already consumed. */
    REQUEST_PROD_REGRESSED,
    /** {@code RING_RESPONSE_PROD_OVERFLOW}: the back's {@code rsp_prod} is more than the ring size ahead. */
    RESPONSE_PROD_OVERFLOW,
    /** The back published more responses than requests were outstanding, or {@code rsp_prod} went backwards. */
    RESPONSE_PROD_BEYOND_REQUESTS,
    /** A response id is not a valid shadow index (id &gt;= ring size). */
    RESPONSE_ID_OUT_OF_RANGE,
    /** A response id names no outstanding request (never issued, or already completed). */
    RESPONSE_ID_NOT_OUTSTANDING,
    /** The caller's response validator rejected a response (wrong operation, length beyond the buffer ...). */
    RESPONSE_REJECTED,
    /** A byte-stream ring's {@code prod - cons} exceeds the ring size. */
    STREAM_INDEX_CORRUPT
}
