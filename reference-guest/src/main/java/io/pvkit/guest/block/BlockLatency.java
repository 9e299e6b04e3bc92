package io.pvkit.guest.block;

/**
 * A snapshot of the block requests' latencies (submission to completion), taken from the HdrHistogram the
 * frontend records into (3 significant digits).
 *
 * @param count requests recorded
 * @param p50Nanos the median
 * @param p90Nanos the 90th percentile
 * @param p99Nanos the 99th percentile
 * @param p999Nanos the 99.9th percentile
 * @param maxNanos the largest
 * @param meanNanos the mean
 */
public record BlockLatency(long count, long p50Nanos, long p90Nanos, long p99Nanos, long p999Nanos, long maxNanos,
                           double meanNanos) {
}
