package io.pvkit.grant;

/**
 * The hypervisor's pin counts of one grant entry (Xen's active entry), for observation and tests.
 *
 * @param hostRead read-only host mappings
 * @param hostWrite writable host mappings
 * @param deviceRead read-only device mappings
 * @param deviceWrite writable device mappings
 * @param copyRead copies in progress reading the frame
 * @param copyWrite copies in progress writing the frame
 */
public record PinCounts(int hostRead, int hostWrite, int deviceRead, int deviceWrite, int copyRead, int copyWrite) {
    /** No pins. */
    public static final PinCounts NONE = new PinCounts(0, 0, 0, 0, 0, 0);

    /**
     * All pins together; {@code GTF_reading} is set exactly while this is positive.
     *
     * @return the sum of all counts
     */
    public int total() {
        return hostRead + hostWrite + deviceRead + deviceWrite + copyRead + copyWrite;
    }

    /**
     * Writable pins; {@code GTF_writing} is set while this is positive.
     *
     * @return the sum of the writable counts
     */
    public int writers() {
        return hostWrite + deviceWrite + copyWrite;
    }
}
