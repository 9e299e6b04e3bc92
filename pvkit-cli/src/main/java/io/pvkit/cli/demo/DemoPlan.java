package io.pvkit.cli.demo;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What one demo run does.
 *
 * @param guests the number of reference guests (at least 1)
 * @param memoryBytes each guest's memory in bytes (a positive multiple of 4096)
 * @param duration how long each guest works, or null when {@code rounds} bounds the run
 * @param rounds the ping-pong rounds each guest plays, or 0 when {@code duration} bounds the run
 * @param logDir where dom0's console backend writes the domains' logs, or null for a new temporary directory
 * @param disk each guest's disk and block workload, or null for guests without a disk
 */
public record DemoPlan(int guests, long memoryBytes, Duration duration, long rounds, Path logDir, DiskPlan disk) {

    /**
     * A plan whose guests have no disk.
     *
     * @param guests the number of guests
     * @param memoryBytes the memory per guest
     * @param duration the run time or null
     * @param rounds the rounds or 0
     * @param logDir the log directory or null
     */
    public DemoPlan(int guests, long memoryBytes, Duration duration, long rounds, Path logDir) {
        this(guests, memoryBytes, duration, rounds, logDir, null);
    }

    /**
     * Validates the plan.
     *
     * @param guests the number of guests
     * @param memoryBytes the memory per guest
     * @param duration the run time or null
     * @param rounds the rounds or 0
     * @param logDir the log directory or null
     * @param disk the disk plan or null
     */
    public DemoPlan {
        if (guests < 1) {
            throw new IllegalArgumentException("at least one guest");
        }
        if (memoryBytes <= 0 || (memoryBytes & 0xFFF) != 0) {
            throw new IllegalArgumentException("memory must be a positive multiple of 4096: " + memoryBytes);
        }
        if ((duration == null) == (rounds <= 0)) {
            throw new IllegalArgumentException("exactly one of duration and rounds bounds the run");
        }
    }

    /**
     * Each guest's memory in 4096-byte frames.
     *
     * @return the frame count
     */
    public long memoryFrames() {
        return memoryBytes >>> 12;
    }

    /**
     * How long the demo waits for the guests to finish before it calls the run failed: the run time plus
     * a generous grace (a loaded machine is slow), or two minutes for a run bounded by rounds; plus, with a disk,
     * a minute per 64 MiB of disk and pass (the block passes run after the ping-pong).
     *
     * @return the deadline measured from the guests' start
     */
    public Duration deadline() {
        Duration echo;
        if (duration == null) {
            echo = Duration.ofMinutes(2);
        } else {
            Duration grace = duration.dividedBy(2);
            echo = duration.plus(grace.compareTo(Duration.ofSeconds(15)) > 0 ? grace : Duration.ofSeconds(15));
        }
        if (disk == null) {
            return echo;
        }
        long units = Math.max(1, (disk.sizeBytes() + (64L << 20) - 1) / (64L << 20)) * disk.passes();
        return echo.plus(Duration.ofMinutes(Math.min(units, 24L * 60)));
    }

    /**
     * A one-line description: {@code 2 guests x 4M, 5s} (and the disk when there is one).
     *
     * @return the text
     */
    public String describe() {
        String mem = (memoryBytes % (1L << 20) == 0) ? (memoryBytes >> 20) + "M" : (memoryBytes >> 10) + "K";
        String len = duration != null ? formatDuration(duration) : rounds + " rounds";
        return guests + (guests == 1 ? " guest" : " guests") + " x " + mem + ", " + len
                + (disk == null ? "" : ", each with a " + disk.describe());
    }

    static String formatDuration(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? (ms / 1000) + "s" : ms + "ms";
    }
}
