package io.pvkit.cli.demo;

/**
 * One guest at the end of a demo run.
 *
 * @param name the domain's name
 * @param domid its domain id
 * @param finalState the state it ended in, lower case ({@code shutdown}, {@code running}...)
 * @param shutdownReason the {@code SHUTDOWN_*} reason it gave, lower case, or null when it did not shut down
 * @param rounds ping-pong round trips it completed with dom0
 * @param events events it sent and received
 * @param hypercalls hypercalls it issued
 * @param consoleLines console lines dom0's console backend logged for it
 * @param problem why it failed (crash, timeout, wrong reason), or null when it powered off by itself
 */
public record GuestReport(String name, int domid, String finalState, String shutdownReason, long rounds, long events,
                          long hypercalls, long consoleLines, String problem) {

    /** The header of {@link #format()}'s columns. */
    public static final String HEADER = String.format("%-10s %-10s %10s %10s %12s %8s  %s",
            "GUEST", "STATE", "ROUNDS", "EVENTS", "HYPERCALLS", "CONSOLE", "SHUTDOWN");

    /**
     * Whether the guest powered off by itself.
     *
     * @return true when there is no problem
     */
    public boolean ok() {
        return problem == null;
    }

    /**
     * The guest's summary row under {@link #HEADER}.
     *
     * @return the text
     */
    public String format() {
        return String.format("%-10s %-10s %10d %10d %12d %8d  %s", name, finalState, rounds, events, hypercalls,
                consoleLines, shutdownReason == null ? "-" : shutdownReason);
    }
}
