package io.pvkit.guest;

/**
 * What a booted reference guest runs before it shuts down: the echo ping-pong with domain 0
 * ({@link EchoWorkload}), or disk I/O through its PV block frontend
 * ({@link io.pvkit.guest.block.BlockWorkload}, which the guest also runs after the echo when it has a disk).
 *
 * <p>{@link #run} is called once, on vCPU 0, after the boot sequence; it uses the guest's devices
 * through the {@link GuestEnvironment}, stops at the limits of {@link GuestEnvironment#options()}
 * ({@link GuestEnvironment#limitReached(long)}), writes its summary line on the console, and returns.
 * Returning means success (the guest powers off); throwing means failure (the guest prints the cause
 * and crashes). A workload must not swallow {@link HypercallException}s whose
 * {@link HypercallException#domainHalted()} is true.
 */
public interface Workload {
    /**
     * A short name for messages and options, e.g. {@code "echo"}.
     *
     * @return the name
     */
    String name();

    /**
     * Runs the workload to completion.
     *
     * @param env the booted guest
     * @throws Exception when the workload fails; the guest shuts down with {@code SHUTDOWN_crash}
     */
    void run(GuestEnvironment env) throws Exception;
}
