package io.pvkit.conformance.spi;

/**
 * Optional features an implementation under test declares through
 * {@link HypervisorUnderTest#capabilities()}; a verification that needs a missing capability is
 * skipped with the reason "capability X not declared", never failed.
 */
public enum Capability {
    /** Domains can be created privileged (a control domain such as domain 0). */
    PRIVILEGED_DOMAINS,
    /** {@link DomainUnderTest#consoleOutput()} returns what the domain wrote with {@code CONSOLEIO_write}. */
    CONSOLE_OUTPUT,
    /** {@link DomainUnderTest#upcallCount(int)} counts event upcalls per vCPU. */
    UPCALL_COUNT,
    /** {@code __HYPERVISOR_multicall} (13) is implemented. */
    MULTICALL,
    /**
     * The implementation reaches each domain's shared protocol structures (grant entries) only through
     * {@link DomainConfig#sharedView(io.pvkit.abi.memory.GuestMemory)} of the request the domain was created
     * with, so the kit's hostile rules (GNT-20, GNT-21) can count and change what it reads, deterministically.
     */
    SHARED_MEMORY_VIEW,
    /**
     * {@link HypervisorUnderTest#resourceCounts()} reports what the implementation holds (domains, allocated ports,
     * grant mappings), so that DOM-02 can check that a dead domain leaves nothing behind.
     */
    RESOURCE_COUNTS
}
