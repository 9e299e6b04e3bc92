package io.pvkit.abi.platform;

import java.util.Optional;

/**
 * Shutdown reasons ({@code SHUTDOWN_*}, {@code enum sched_shutdown_reason} in {@code xen/sched.h}).
 */
public enum ShutdownReason {
    /** {@code SHUTDOWN_poweroff} (0): domain exited normally; clean up and kill. */
    POWEROFF(0),
    /** {@code SHUTDOWN_reboot} (1): clean up, kill and restart. */
    REBOOT(1),
    /** {@code SHUTDOWN_suspend} (2): clean up, save the image, kill. */
    SUSPEND(2),
    /** {@code SHUTDOWN_crash} (3): tell the controller the domain crashed. */
    CRASH(3),
    /** {@code SHUTDOWN_watchdog} (4): restart because the watchdog timed out. */
    WATCHDOG(4),
    /** {@code SHUTDOWN_soft_reset} (5): reset, keeping memory (kexec). */
    SOFT_RESET(5);

    private final int code;

    ShutdownReason(int code) {
        this.code = code;
    }

    /**
     * The numeric value on the wire.
     *
     * @return the value of {@code SHUTDOWN_<name>}
     */
    public int code() {
        return code;
    }

    /**
     * Looks up a value by number.
     *
     * @param code the value read from a peer (untrusted; any {@code long})
     * @return the constant, or empty when no constant has this value
     */
    public static Optional<ShutdownReason> of(long code) {
        for (ShutdownReason v : values()) {
            if (v.code == code) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }
}
