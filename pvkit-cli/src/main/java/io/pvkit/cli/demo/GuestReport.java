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
 * @param problem why it failed (crash, timeout, wrong reason, data that differs), or null when it powered off by
 *     itself with every byte correct
 * @param disk its disk's figures and checks, or null when it had no disk
 */
public record GuestReport(String name, int domid, String finalState, String shutdownReason, long rounds, long events,
                          long hypercalls, long consoleLines, String problem, DiskReport disk) {

    /**
     * A report without a disk.
     *
     * @param name the domain's name
     * @param domid its domain id
     * @param finalState its final state
     * @param shutdownReason its shutdown reason or null
     * @param rounds round trips
     * @param events events
     * @param hypercalls hypercalls
     * @param consoleLines console lines
     * @param problem the problem or null
     */
    public GuestReport(String name, int domid, String finalState, String shutdownReason, long rounds, long events,
                       long hypercalls, long consoleLines, String problem) {
        this(name, domid, finalState, shutdownReason, rounds, events, hypercalls, consoleLines, problem, null);
    }

    /**
     * One guest's disk at the end of the run.
     *
     * @param image the image file
     * @param passes write+verify passes the guest completed
     * @param blocksVerified blocks the guest read back and verified through its block device
     * @param bytes bytes moved through the block device (read and written)
     * @param megabytesPerSecond MB (10^6 bytes) per second over the workload
     * @param iops requests per second over the workload
     * @param p50Micros median request latency, microseconds
     * @param p99Micros 99th percentile request latency, microseconds
     * @param notificationsPerRequest event-channel notifications per request
     * @param verifyMismatches blocks the guest found wrong when it read them back
     * @param fileBlocksChecked blocks of the last pass the demo re-read from the image file
     * @param fileBlocksDiffering blocks of the image file that differ from the last pass's pattern
     */
    public record DiskReport(String image, long passes, long blocksVerified, long bytes, double megabytesPerSecond,
                             double iops, double p50Micros, double p99Micros, double notificationsPerRequest,
                             long verifyMismatches, long fileBlocksChecked, long fileBlocksDiffering) {
        /** The header of {@link #format()}'s columns. */
        public static final String HEADER = String.format("%-10s %6s %10s %9s %8s %8s %8s %9s  %s", "GUEST", "PASSES",
                "VERIFIED", "MB/S", "IOPS", "P50 US", "P99 US", "NOTIF/REQ", "IMAGE FILE CHECK");

        /**
         * The disk's summary row under {@link #HEADER}.
         *
         * @param guest the guest's name
         * @return the text
         */
        public String format(String guest) {
            String check = fileBlocksDiffering == 0 ? "all " + fileBlocksChecked + " blocks identical"
                    : fileBlocksDiffering + " blocks differ";
            return String.format(java.util.Locale.ROOT, "%-10s %6d %10d %9.1f %8.0f %8.1f %8.1f %9.3f  %s", guest,
                    passes, blocksVerified, megabytesPerSecond, iops, p50Micros, p99Micros, notificationsPerRequest, check);
        }
    }

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
