package io.pvkit.abi.platform;

import java.lang.foreign.StructLayout;
import java.util.Optional;

/**
 * Scheduler sub-ops ({@code SCHEDOP_*} in {@code xen/sched.h}): the {@code cmd} of
 * {@code __HYPERVISOR_sched_op(cmd, arg)}.
 */
public enum SchedOp {
    /** {@code SCHEDOP_yield} (0): give up the CPU; no argument. */
    YIELD(0, null),
    /** {@code SCHEDOP_block} (1): sleep until an event is pending; no argument. */
    BLOCK(1, null),
    /** {@code SCHEDOP_shutdown} (2): halt the calling domain with a reason. */
    SHUTDOWN(2, SchedShutdownLayout.LAYOUT),
    /** {@code SCHEDOP_poll} (3): block until one of some ports is pending or a timeout. */
    POLL(3, SchedPollLayout.LAYOUT),
    /** {@code SCHEDOP_remote_shutdown} (4): shut another domain down (privileged). */
    REMOTE_SHUTDOWN(4, SchedRemoteShutdownLayout.LAYOUT),
    /** {@code SCHEDOP_shutdown_code} (5): record the reason of a later shutdown. */
    SHUTDOWN_CODE(5, SchedShutdownLayout.LAYOUT),
    /** {@code SCHEDOP_watchdog} (6): set up a domain watchdog ({@code sched_watchdog}, not modelled). */
    WATCHDOG(6, null),
    /** {@code SCHEDOP_pin_override} (7): override vCPU pinning ({@code sched_pin_override}, not modelled). */
    PIN_OVERRIDE(7, null);

    private static final SchedOp[] BY_CODE = new SchedOp[8];

    static {
        for (SchedOp op : values()) {
            BY_CODE[op.code] = op;
        }
    }

    private final int code;
    private final StructLayout argLayout;

    SchedOp(int code, StructLayout argLayout) {
        this.code = code;
        this.argLayout = argLayout;
    }

    /**
     * The sub-op number.
     *
     * @return the value of {@code SCHEDOP_<name>}
     */
    public int code() {
        return code;
    }

    /**
     * The argument structure the guest points at, if the sub-op takes one.
     *
     * @return the layout, or empty when the argument is unused or not a pvkit-modelled structure
     */
    public Optional<StructLayout> argLayout() {
        return Optional.ofNullable(argLayout);
    }

    /**
     * Looks up a sub-op by number.
     *
     * @param code the value a guest passed (untrusted; any {@code long})
     * @return the sub-op, or empty when the command is unknown
     */
    public static Optional<SchedOp> of(long code) {
        if (code < 0 || code >= BY_CODE.length) {
            return Optional.empty();
        }
        return Optional.ofNullable(BY_CODE[(int) code]);
    }
}
