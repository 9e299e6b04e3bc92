package io.pvkit.cli.demo;

/**
 * One guest's line of live progress.
 *
 * @param name the domain's name
 * @param state its state as people read it ({@code running}, {@code blocked}, {@code shutdown(poweroff)}...)
 * @param hypercallsPerSecond hypercalls the domain issued per second since the previous sample
 * @param eventsPerSecond events it sent and received per second since the previous sample
 * @param roundTrips ping-pong round trips with dom0 so far
 */
public record GuestRow(String name, String state, long hypercallsPerSecond, long eventsPerSecond, long roundTrips) {

    /** The header of {@link #format()}'s columns. */
    public static final String HEADER = String.format("%-10s %-20s %12s %10s %12s",
            "GUEST", "STATE", "HYPERCALLS/S", "EVENTS/S", "ROUND TRIPS");

    /**
     * The row in fixed columns under {@link #HEADER}.
     *
     * @return the text
     */
    public String format() {
        return String.format("%-10s %-20s %12d %10d %12d", name, state, hypercallsPerSecond, eventsPerSecond, roundTrips);
    }

    /**
     * The row as one self-describing line, for logs and pipes.
     *
     * @return the text
     */
    public String formatPlain() {
        return name + ": " + state + ", " + hypercallsPerSecond + " hypercalls/s, " + eventsPerSecond
                + " events/s, " + roundTrips + " round trips";
    }
}
