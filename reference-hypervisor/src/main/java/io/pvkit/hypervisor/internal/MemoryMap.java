package io.pvkit.hypervisor.internal;

import io.pvkit.abi.memory.GuestMemory;

/**
 * Where the builder puts a domain's special pages: every one of them above the guest's own
 * {@code nrPages} frames, in this order.
 *
 * <pre>
 *   [0, nrPages)                 the guest's own frames
 *   nrPages + 0                  start_info
 *   nrPages + 1                  shared_info
 *   nrPages + 2                  console ring (xencons_interface)
 *   nrPages + 3                  xenstore ring (xenstore_domain_interface)
 *   nrPages + 4 .. + grantFrames grant table frames
 * </pre>
 *
 * @param nrPages the guest's own frames
 * @param grantFrames the grant table's maximum size in frames
 */
public record MemoryMap(long nrPages, int grantFrames) {
    /** Grant table frames every domain gets (2048 references). */
    public static final int GRANT_FRAMES = 4;

    /**
     * The map of a domain with {@link #GRANT_FRAMES} grant frames.
     *
     * @param nrPages the guest's own frames
     * @return the map
     */
    public static MemoryMap of(long nrPages) {
        return new MemoryMap(nrPages, GRANT_FRAMES);
    }

    /** @return the frame of start_info */
    public long startInfoGfn() {
        return nrPages;
    }

    /** @return the frame of shared_info */
    public long sharedInfoGfn() {
        return nrPages + 1;
    }

    /** @return the frame of the console ring */
    public long consoleGfn() {
        return nrPages + 2;
    }

    /** @return the frame of the xenstore ring */
    public long xenstoreGfn() {
        return nrPages + 3;
    }

    /** @return the first grant table frame */
    public long grantBaseGfn() {
        return nrPages + 4;
    }

    /** @return the size of the domain's memory in frames */
    public long totalFrames() {
        return nrPages + 4 + grantFrames;
    }

    /** @return the guest-physical address of start_info */
    public long startInfoGpa() {
        return GuestMemory.gpaOf(startInfoGfn());
    }

    /** @return the guest-physical address of shared_info */
    public long sharedInfoGpa() {
        return GuestMemory.gpaOf(sharedInfoGfn());
    }
}
