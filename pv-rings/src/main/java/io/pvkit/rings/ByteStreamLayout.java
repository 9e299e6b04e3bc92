package io.pvkit.rings;

/**
 * Where one direction of a byte-stream ring lives: a power-of-two byte array and its two free-running
 * u32 indices. Xenstore ({@code xenstore_domain_interface}), the PV console ({@code xencons_interface})
 * and libxenvchan each put two of these in a shared page.
 *
 * <pre>
 *   data[dataOffset .. dataOffset+size)   bytes, index i lives at i &amp; (size-1)
 *   cons @ consOffset  u32  [reader]
 *   prod @ prodOffset  u32  [writer]
 * </pre>
 *
 * @param name a name for messages, e.g. {@code "xenstore.req"}
 * @param dataOffset the offset of the byte array
 * @param size the array size, a power of two
 * @param consOffset the offset of the consumer index (4-aligned)
 * @param prodOffset the offset of the producer index (4-aligned)
 */
public record ByteStreamLayout(String name, long dataOffset, int size, long consOffset, long prodOffset) {

    /** {@code xenstore_domain_interface.req}: guest to xenstored (io/xs_wire.h). */
    public static final ByteStreamLayout XENSTORE_REQUEST = new ByteStreamLayout("xenstore.req", 0, 1024, 2048, 2052);
    /** {@code xenstore_domain_interface.rsp}: xenstored to guest (io/xs_wire.h). */
    public static final ByteStreamLayout XENSTORE_RESPONSE = new ByteStreamLayout("xenstore.rsp", 1024, 1024, 2056, 2060);
    /** {@code xencons_interface.in}: backend to guest (io/console.h). */
    public static final ByteStreamLayout CONSOLE_IN = new ByteStreamLayout("console.in", 0, 1024, 3072, 3076);
    /** {@code xencons_interface.out}: guest to backend (io/console.h). */
    public static final ByteStreamLayout CONSOLE_OUT = new ByteStreamLayout("console.out", 1024, 2048, 3080, 3084);

    /**
     * Validates the layout.
     *
     * @param name a name for messages
     * @param dataOffset the offset of the byte array
     * @param size a power of two
     * @param consOffset 4-aligned
     * @param prodOffset 4-aligned
     */
    public ByteStreamLayout {
        if (size <= 0 || Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("byte ring size must be a power of two: " + size);
        }
        if (dataOffset < 0 || consOffset < 0 || prodOffset < 0 || consOffset % 4 != 0 || prodOffset % 4 != 0) {
            throw new IllegalArgumentException("bad offsets in byte ring layout " + name);
        }
    }

    /**
     * A libxenvchan ring: {@code order} 10..20 gives {@code 2^order} bytes; the indices are the
     * {@code cons}/{@code prod} pair of {@code vchan_interface.left} (offset 0) or {@code .right} (offset 8).
     *
     * @param name a name for messages
     * @param indexOffset 0 for {@code left}, 8 for {@code right} (relative to the control page)
     * @param dataOffset where the data lives relative to the same base (1024 or 2048 for in-page rings)
     * @param order log2 of the size, 10..20
     * @return the layout
     */
    public static ByteStreamLayout vchan(String name, long indexOffset, long dataOffset, int order) {
        if (order < 10 || order > 20) {
            throw new IllegalArgumentException("vchan ring order must be 10..20: " + order);
        }
        return new ByteStreamLayout(name, dataOffset, 1 << order, indexOffset, indexOffset + 4);
    }

    /**
     * Checks that the data area and both indices lie inside shared memory of {@code bytes} bytes.
     *
     * @param bytes the size of the shared memory the ring is attached to
     * @throws IllegalArgumentException when any part of the ring lies outside
     */
    public void checkFits(long bytes) {
        if (dataOffset + size > bytes || prodOffset + 4 > bytes || consOffset + 4 > bytes) {
            throw new IllegalArgumentException("byte ring " + this + " does not fit in " + bytes + " bytes");
        }
    }
}
