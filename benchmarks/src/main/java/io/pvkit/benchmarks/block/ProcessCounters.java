package io.pvkit.benchmarks.block;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the OS counts for this process, for figures that stay meaningful on a loaded machine: CPU time (user +
 * system, per thread group by thread name: the guests' vCPUs, blkback's workers, domain 0's vCPU, the rest) and
 * context switches, summed over the live threads of {@code /proc/self/task} ({@code stat} fields 14-15 in clock
 * ticks of 10 ms, {@code voluntary_ctxt_switches}/{@code nonvoluntary_ctxt_switches} of {@code status}; a
 * voluntary switch is a thread giving up the CPU itself: a park, a blocking call, a {@code sched_yield} that let
 * another thread run; an involuntary one is a preemption). Threads that end between two snapshots take their
 * counts with them, so measure over a stretch where the threads live. Linux only (elsewhere everything is 0).
 *
 * @param cpuNanos CPU time of the live threads
 * @param voluntary voluntary context switches of the live threads
 * @param involuntary involuntary context switches of the live threads (preemptions)
 * @param groupCpuNanos CPU time per thread group (live threads)
 */
record ProcessCounters(long cpuNanos, long voluntary, long involuntary, Map<String, Long> groupCpuNanos) {
    private static final long TICK_NANOS = 10_000_000L;   // USER_HZ = 100 on Linux

    /** A snapshot now. */
    static ProcessCounters now() {
        long cpu = 0;
        long vol = 0;
        long invol = 0;
        Map<String, Long> groups = new TreeMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path t : tasks) {
                try {
                    String stat = Files.readString(t.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    // after "pid (comm) ": f[0] is field 3 (state), so utime (14) is f[11], stime (15) f[12]
                    long c = (Long.parseLong(f[11]) + Long.parseLong(f[12])) * TICK_NANOS;
                    cpu += c;
                    groups.merge(group(name), c, Long::sum);
                    for (String line : Files.readAllLines(t.resolve("status"))) {
                        if (line.startsWith("voluntary_ctxt_switches:")) {
                            vol += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                        } else if (line.startsWith("nonvoluntary_ctxt_switches:")) {
                            invol += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException | UnsupportedOperationException e) {
            // not Linux
        }
        return new ProcessCounters(cpu, vol, invol, groups);
    }

    private static String group(String name) {
        if (name.startsWith("blkback-")) {
            return "blkback workers";
        }
        if (name.startsWith("d0v")) {
            return "domain 0 vCPU";
        }
        if (name.matches("d\\d+v\\d+-.*")) {
            return "guest vCPUs";
        }
        if (name.startsWith("filechannel") || name.contains("jmh-worker") || name.equals("java")) {
            return "driver (FileChannel threads, main)";
        }
        return "other (JIT, GC, xenstored...)";
    }

    /** The difference {@code this - before}, per {@code requests} requests, as one line. */
    String perRequest(ProcessCounters before, long requests) {
        StringBuilder b = new StringBuilder(String.format(java.util.Locale.ROOT,
                "cpu %.2f us/req, voluntary switches %.3f/req, involuntary %.3f/req",
                (cpuNanos - before.cpuNanos) / 1e3 / requests, (double) (voluntary - before.voluntary) / requests,
                (double) (involuntary - before.involuntary) / requests));
        groupCpuNanos.forEach((g, c) -> {
            long d = c - before.groupCpuNanos.getOrDefault(g, 0L);
            if (d > 0) {
                b.append(String.format(java.util.Locale.ROOT, "; %s %.2f us", g, d / 1e3 / requests));
            }
        });
        return b.toString();
    }
}
