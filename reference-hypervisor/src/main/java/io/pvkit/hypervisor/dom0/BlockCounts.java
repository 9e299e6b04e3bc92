package io.pvkit.hypervisor.dom0;

/**
 * What domain 0's block backend holds right now, for leak checks: after a guest is destroyed (or its
 * frontend closed), every count is back to its value from before the device connected.
 *
 * @param devices vbd devices probed and not yet released (each holds its open image file)
 * @param grantMappings grant mappings the backend holds (the ring pages of connected queues; data moves by
 *     grant copy and holds none)
 * @param workerThreads queues being served by blkback's shared worker threads (one per connected queue)
 * @param openFiles open image files
 */
public record BlockCounts(int devices, int grantMappings, int workerThreads, int openFiles) {
    /** Nothing held. */
    public static final BlockCounts NONE = new BlockCounts(0, 0, 0, 0);
}
