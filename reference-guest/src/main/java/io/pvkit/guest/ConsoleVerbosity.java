package io.pvkit.guest;

/**
 * How much the reference guest writes on its console. Each level includes the ones before it.
 */
public enum ConsoleVerbosity {
    /** Only the workload's final summary line and, on failure, the cause. */
    QUIET,
    /** Also one boot line, progress lines (at most one per progress interval) and the shutdown line. */
    NORMAL,
    /** Also a line per boot step (start info, HVM params, shared_info, grant table, callback, ports). */
    VERBOSE;

    /**
     * Whether a line of level {@code level} is written at this verbosity.
     *
     * @param level the line's level
     * @return true when this verbosity includes {@code level}
     */
    public boolean includes(ConsoleVerbosity level) {
        return compareTo(level) >= 0;
    }
}
