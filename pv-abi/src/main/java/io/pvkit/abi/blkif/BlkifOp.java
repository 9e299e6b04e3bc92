package io.pvkit.abi.blkif;

import java.util.Optional;

/**
 * Block request operations ({@code BLKIF_OP_*} in {@code xen/io/blkif.h}), the {@code operation}
 * byte of a request. Barrier, flush and discard are optional features a backend advertises.
 */
public enum BlkifOp {
    /** {@code BLKIF_OP_READ} (0): read into the segments. */
    READ(0),
    /** {@code BLKIF_OP_WRITE} (1): write from the segments. */
    WRITE(1),
    /** {@code BLKIF_OP_WRITE_BARRIER} (2): write after all earlier writes are durable (feature-barrier). */
    WRITE_BARRIER(2),
    /** {@code BLKIF_OP_FLUSH_DISKCACHE} (3): flush the disk cache (feature-flush-cache). */
    FLUSH_DISKCACHE(3),
    /** {@code BLKIF_OP_RESERVED_1} (4): reserved. */
    RESERVED_1(4),
    /** {@code BLKIF_OP_DISCARD} (5): discard sectors; {@link BlkifRequestDiscardLayout} (feature-discard). */
    DISCARD(5),
    /** {@code BLKIF_OP_INDIRECT} (6): segments in indirect pages; {@link BlkifRequestIndirectLayout}. */
    INDIRECT(6);

    private final int code;

    BlkifOp(int code) {
        this.code = code;
    }

    /**
     * The numeric value on the wire.
     *
     * @return the value of {@code BLKIF_OP_<name>}
     */
    public int code() {
        return code;
    }

    /**
     * Looks up a value by number.
     *
     * @param code the value read from a peer (untrusted; any {@code long})
     * @return the constant, or empty when no constant has this value
     */
    public static Optional<BlkifOp> of(long code) {
        for (BlkifOp v : values()) {
            if (v.code == code) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }
}
