package io.pvkit.conformance.spi;

/**
 * What a verification asks for when it creates a domain.
 *
 * @param frames the domain's memory in 4096-byte frames (at least 1)
 * @param vcpus the number of vCPUs (at least 1)
 * @param privileged whether the domain is privileged (a control domain)
 */
public record DomainConfig(long frames, int vcpus, boolean privileged) {

    /**
     * Validates the components.
     *
     * @param frames the memory in frames
     * @param vcpus the number of vCPUs
     * @param privileged whether the domain is privileged
     */
    public DomainConfig {
        if (frames < 1 || vcpus < 1) {
            throw new IllegalArgumentException("a domain needs at least one frame and one vCPU");
        }
    }
}
