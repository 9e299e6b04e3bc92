package io.pvkit.hypervisor.internal;

/**
 * What the dispatcher asks of the rest of the hypervisor (the toolstack side): starting a vCPU thread
 * ({@code VCPUOP_up}) and telling domain 0 that a domain changed state ({@code VIRQ_DOM_EXC}).
 */
public interface Platform {
    /**
     * Starts the thread of a vCPU at the domain's entry point.
     *
     * @param domain the domain
     * @param vcpu the vCPU
     * @return false when it has no entry point or already runs
     */
    boolean startVcpu(DomainRecord domain, int vcpu);

    /**
     * Called after a domain shut down.
     *
     * @param domain the domain
     */
    void shutDown(DomainRecord domain);

    /**
     * The hypervisor's system time: nanoseconds since it started ({@code SCHEDOP_poll} timeouts are
     * absolute times on this clock, as in Xen).
     *
     * @return the time
     */
    long systemTimeNanos();

    /**
     * Converts a system time to a {@link System#nanoTime()} value.
     *
     * @param systemTime nanoseconds since the hypervisor started
     * @return the corresponding {@code nanoTime}
     */
    long toNanoTime(long systemTime);
}
