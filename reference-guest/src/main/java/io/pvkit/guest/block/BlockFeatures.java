package io.pvkit.guest.block;

/**
 * What a frontend and its backend agreed on, and the disk's geometry: read once from the backend's
 * directory (features at InitWait, geometry at Connected) and validated.
 *
 * @param ringPageOrder the ring size, {@code 2^order} pages per queue
 * @param queues the number of queues
 * @param maxIndirectSegments segments per indirect request, or 0 when indirect requests are not used
 * @param persistent whether persistent grants are used (both ends offered them)
 * @param flush whether the backend supports {@code BLKIF_OP_FLUSH_DISKCACHE}
 * @param discard whether the backend supports {@code BLKIF_OP_DISCARD}
 * @param discardGranularity the backend's {@code discard-granularity} in bytes (0 when absent)
 * @param sectors the disk size in 512-byte sectors
 * @param sectorSize the logical sector size in bytes (512 for pvkit's backend)
 * @param readOnly whether the backend serves the disk read-only ({@code info} has {@code VDISK_READONLY})
 */
public record BlockFeatures(int ringPageOrder, int queues, int maxIndirectSegments, boolean persistent,
                            boolean flush, boolean discard, long discardGranularity, long sectors, int sectorSize,
                            boolean readOnly) {
    /** {@code VDISK_READONLY} in the backend's {@code info}. */
    public static final int VDISK_READONLY = 4;

    /**
     * The disk size in bytes.
     *
     * @return {@code sectors * 512}
     */
    public long bytes() {
        return sectors * 512;
    }
}
