package io.pvkit.conformance.spi;

import java.util.Set;

/**
 * The porting SPI for a hypervisor under test: what a third party implements (in its test scope)
 * so that verifications such as
 * {@link io.pvkit.conformance.hypercall.HypercallAbiVerification} can create domains and issue
 * hypercalls as them.
 *
 * <p>A verification creates one instance per test method and closes it afterwards.
 */
public interface HypervisorUnderTest extends AutoCloseable {

    /**
     * The optional features this implementation supports; rules needing others are skipped.
     *
     * @return the capabilities
     */
    Set<Capability> capabilities();

    /**
     * Creates and starts a domain.
     *
     * @param config memory, vCPUs and privilege
     * @return the new domain
     * @throws UnsupportedOperationException when a privileged domain is asked for without
     *     {@link Capability#PRIVILEGED_DOMAINS}
     */
    DomainUnderTest createDomain(DomainConfig config);

    /**
     * Destroys a domain and releases its resources.
     *
     * @param domain a domain created by this hypervisor
     */
    void destroyDomain(DomainUnderTest domain);

    /**
     * What the implementation holds right now, summed over every domain it has (its own service domains
     * included), when it declares {@link Capability#RESOURCE_COUNTS}. The kit compares two snapshots, so any
     * constant offset (a control domain's own ports) does not matter; what matters is that a dead domain leaves
     * nothing behind.
     *
     * @return the counts
     * @throws UnsupportedOperationException when the capability is not declared
     */
    default ResourceCounts resourceCounts() {
        throw new UnsupportedOperationException("RESOURCE_COUNTS not supported");
    }

    /** Destroys every remaining domain and releases the hypervisor. */
    @Override
    void close();
}
