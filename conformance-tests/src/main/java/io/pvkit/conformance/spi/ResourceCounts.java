package io.pvkit.conformance.spi;

/**
 * What a hypervisor under test holds at one moment, summed over all its domains
 * ({@link HypervisorUnderTest#resourceCounts()}, with {@link Capability#RESOURCE_COUNTS}).
 *
 * @param domains domains that exist (created and not yet completely destroyed: a zombie still counts)
 * @param ports event-channel ports allocated in any domain (any state but free; port 0 excluded)
 * @param grantMappings grant mappings (maptrack entries) held by any domain
 */
public record ResourceCounts(int domains, int ports, int grantMappings) {
}
