package io.pvkit.hypervisor;

/**
 * What a user sees of a domain's life.
 */
public enum DomainState {
    /** At least one vCPU runs guest code (or the domain has no vCPU thread and is not shut down). */
    RUNNING,
    /** Every started vCPU waits in {@code SCHEDOP_block} or {@code SCHEDOP_poll}. */
    BLOCKED,
    /** The domain asked to stop ({@code SCHEDOP_shutdown}, a remote shutdown, or a crash); see the reason. */
    SHUTDOWN,
    /** {@link Hypervisor#destroyDomain(int)} is releasing the domain's resources. */
    DYING,
    /** Destroyed: every resource is released. */
    DEAD
}
