package io.pvkit.cli.demo;

/**
 * One guest's line of live progress.
 *
 * @param name the domain's name
 * @param state its state as people read it ({@code running}, {@code blocked}, {@code shutdown(poweroff)}...)
 * @param hypercallsPerSecond hypercalls the domain issued per second since the previous sample
 * @param eventsPerSecond events it sent and received per second since the previous sample
 * @param roundTrips ping-pong round trips with dom0 so far
 * @param disk the block workload's live figures, or null when the guest has no disk
 */
public record GuestRow(String name, String state, long hypercallsPerSecond, long eventsPerSecond, long roundTrips,
                       DiskRow disk) {

    /** The header of {@link #format()}'s columns. */
    public static final String HEADER = String.format("%-10s %-20s %12s %10s %12s",
            "GUEST", "STATE", "HYPERCALLS/S", "EVENTS/S", "ROUND TRIPS");

    /**
     * The header for a set of rows: {@link #HEADER}, plus the disk columns when any row has a disk.
     *
     * @param rows the rows shown under it
     * @return the text
     */
    public static String header(java.util.List<GuestRow> rows) {
        return rows.stream().anyMatch(r -> r.disk() != null) ? HEADER + " " + DiskRow.HEADER : HEADER;
    }

    /**
     * A row without a disk.
     *
     * @param name the domain's name
     * @param state its state
     * @param hypercallsPerSecond hypercalls per second
     * @param eventsPerSecond events per second
     * @param roundTrips round trips so far
     */
    public GuestRow(String name, String state, long hypercallsPerSecond, long eventsPerSecond, long roundTrips) {
        this(name, state, hypercallsPerSecond, eventsPerSecond, roundTrips, null);
    }

    /**
     * The block workload's live figures of one guest.
     *
     * @param iops requests completed per second since the previous sample
     * @param megabytesPerSecond MB (10^6 bytes) moved per second since the previous sample
     * @param p50Micros median request latency so far, microseconds
     * @param p99Micros 99th percentile request latency so far, microseconds
     * @param notificationsPerRequest event-channel notifications (sent and received) per request so far
     */
    public record DiskRow(long iops, double megabytesPerSecond, double p50Micros, double p99Micros,
                          double notificationsPerRequest) {
        /** The header of the disk columns. */
        public static final String HEADER = String.format("%8s %8s %9s %9s %9s", "IOPS", "MB/S", "P50 US", "P99 US",
                "NOTIF/REQ");

        String format() {
            return String.format(java.util.Locale.ROOT, "%8d %8.1f %9.1f %9.1f %9.3f", iops, megabytesPerSecond,
                    p50Micros, p99Micros, notificationsPerRequest);
        }

        String formatPlain() {
            return String.format(java.util.Locale.ROOT, "%d IOPS, %.1f MB/s, p50 %.1f us, p99 %.1f us, %.3f notifications/request",
                    iops, megabytesPerSecond, p50Micros, p99Micros, notificationsPerRequest);
        }
    }

    /**
     * The row in fixed columns under {@link #HEADER}.
     *
     * @return the text
     */
    public String format() {
        return String.format("%-10s %-20s %12d %10d %12s %s", name, state, hypercallsPerSecond, eventsPerSecond,
                roundTrips < 0 ? "-" : Long.toString(roundTrips), disk == null ? "" : disk.format()).stripTrailing();
    }

    /**
     * The row as one self-describing line, for logs and pipes.
     *
     * @return the text
     */
    public String formatPlain() {
        return name + ": " + state + ", " + hypercallsPerSecond + " hypercalls/s, " + eventsPerSecond
                + " events/s, " + (roundTrips < 0 ? "-" : Long.toString(roundTrips)) + " round trips"
                + (disk == null ? "" : ", disk " + disk.formatPlain());
    }
}
