package io.pvkit.guest;

/**
 * Where a reference guest is in its life, as {@link GuestStats#state()} reports it.
 */
public enum GuestState {
    /** Not entered yet, or reading start info, mapping pages and connecting the console. */
    BOOTING,
    /** Booted; the workload runs. */
    RUNNING,
    /** The workload finished; the guest asked for {@code SHUTDOWN_poweroff}. */
    DONE,
    /** Boot or the workload failed (the guest asked for {@code SHUTDOWN_crash}), or the hypervisor halted the domain. */
    FAILED
}
