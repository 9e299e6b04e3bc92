package io.pvkit.benchmarks.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The block, notification and scale rows of the report: {@code BlockIoBenchmark} (pvkit's blkfront, ring,
 * blkback and file against {@code FileChannel} on the same file, same queue depth, same run), the blkback grant
 * copy through domain 0's hypercall path ({@code Dom0GrantCopyBenchmark}), {@code BlockNotifications} (window
 * off and on) and {@code BlockScale} (64 guests x 4 queues against one guest).
 */
final class BlockTargets {
    /** The workloads of {@code BlockIoBenchmark} with their targets. */
    private static final String[] WORKLOADS = {"rand4k-read", "seq64k-read", "rand4k-write", "seq64k-write"};
    private static final String[] DEPTHS = {"1", "32"};

    private final Map<String, JmhSuite.Figure> jmh;
    private final Map<String, Double> block;

    BlockTargets(Map<String, JmhSuite.Figure> jmh, Map<String, Double> block) {
        this.jmh = jmh;
        this.block = block;
    }

    /** The JMH figure of {@code method} whose key carries every one of {@code params} ({@code [name=value]}). */
    private JmhSuite.Figure find(String method, String... params) {
        for (Map.Entry<String, JmhSuite.Figure> e : jmh.entrySet()) {
            String k = e.getKey();
            if (!k.startsWith(method + "[") && !k.equals(method)) {
                continue;
            }
            boolean all = true;
            for (String p : params) {
                all &= k.contains("[" + p + "]");
            }
            if (all) {
                return e.getValue();
            }
        }
        return null;
    }

    private static String show(JmhSuite.Figure f) {
        return f == null ? "not run" : Targets.fmt(f.score()) + " ± " + Targets.fmt(f.error()) + " " + f.unit();
    }

    private static boolean noisy(JmhSuite.Figure... fs) {
        for (JmhSuite.Figure f : fs) {
            if (f != null && !(f.error() <= f.score())) {
                return true;
            }
        }
        return false;
    }

    private double b(String key) {
        return block.getOrDefault(key, Double.NaN);
    }

    /** Notifications per request: four decimals (the target is 0.01). */
    private static String perRequest(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(java.util.Locale.ROOT, "%.4f", v);
    }

    /** One report row per block workload and depth, then the grant-copy path; each {area, what, pvkit, base, ratio, goal, verdict}. */
    List<String[]> blockRows() {
        List<String[]> rows = new ArrayList<>();
        for (String w : WORKLOADS) {
            for (String qd : DEPTHS) {
                JmhSuite.Figure p = find("BlockIoBenchmark.pvkit", "workload=" + w, "qd=" + qd, "persistent=true");
                JmhSuite.Figure f = find("BlockIoBenchmark.fileChannel", "workload=" + w, "qd=" + qd, "persistent=true");
                double r = p == null || f == null ? Double.NaN : p.score() / f.score();
                rows.add(new String[] {"Block", w + " queue depth " + qd + ", blkfront+ring+blkback+file vs FileChannel "
                        + "(requests/s, page cache warm" + (w.endsWith("write") ? ", flush off" : "") + ")",
                    show(p), show(f), Targets.fmt(r), "≥ 0.8",
                    p == null || f == null ? "not measured" : noisy(p, f) ? Targets.NOISY : r >= 0.8 ? Targets.MET : Targets.NOT_MET});
            }
        }
        for (String dir : List.of("fromGuest", "toGuest")) {
            JmhSuite.Figure p = find("Dom0GrantCopyBenchmark." + dir);
            JmhSuite.Figure f = find("Dom0GrantCopyBenchmark.baselineSegmentCopy");
            double r = p == null || f == null ? Double.NaN : f.score() / p.score();
            rows.add(new String[] {"Block", "(context) blkback's grant copy of 4 KiB as domain 0 through the full dispatcher ("
                    + dir + ") vs MemorySegment.copy (bandwidth)", show(p), show(f), Targets.fmt(r), "none", "context"});
        }
        return rows;
    }

    /** The notification rows (window on is the target; off is the same run's comparison). */
    List<String[]> notificationRows() {
        List<String[]> rows = new ArrayList<>();
        if (block.isEmpty() || Double.isNaN(b("notify.on.sentPerRequest"))) {
            rows.add(new String[] {"Notifications", "≤ 0.01 notifications per request, saturated block queue", "not run", "",
                "", "≤ 0.01", "not measured"});
            return rows;
        }
        double on = b("notify.on.sentPerRequest") + b("notify.on.receivedPerRequest");
        double off = b("notify.off.sentPerRequest") + b("notify.off.receivedPerRequest");
        double sentOn = b("notify.on.sentPerRequest");
        rows.add(new String[] {"Notifications", "frontend-to-backend notifications per request, saturated queue (1 queue, 32 "
                + "in flight, 4 KiB random reads), blkback poll window on", perRequest(sentOn) + " per request",
            "window off: " + perRequest(b("notify.off.sentPerRequest")) + " per request", "", "≤ 0.01",
            sentOn <= 0.01 ? Targets.MET : Targets.NOT_MET});
        rows.add(new String[] {"Notifications", "notifications per request in both directions (kicks + response events), "
                + "same run", perRequest(on) + " per request (window on)", perRequest(off) + " per request (window off)",
            "", "≤ 0.01", on <= 0.01 ? Targets.MET : Targets.NOT_MET});
        rows.add(new String[] {"Notifications", "(context) latency cost of the window: p50 / p99 submit to completion, "
                + "IOPS", Targets.fmt(b("notify.on.p50us")) + " / " + Targets.fmt(b("notify.on.p99us")) + " µs, "
                + Targets.fmt(b("notify.on.iops")) + " IOPS (on)", Targets.fmt(b("notify.off.p50us")) + " / "
                + Targets.fmt(b("notify.off.p99us")) + " µs, " + Targets.fmt(b("notify.off.iops")) + " IOPS (off)",
            Targets.fmt(b("notify.on.p50us") / b("notify.off.p50us")), "none", "context"});
        return rows;
    }

    /** The scale row. */
    List<String[]> scaleRows() {
        List<String[]> rows = new ArrayList<>();
        double one = b("scale.one.iops");
        double many = b("scale.many.iops");
        if (Double.isNaN(one) || Double.isNaN(many)) {
            rows.add(new String[] {"Scale", "64 guests x 4 queues: aggregate IOPS vs one guest on the same cores", "not run",
                "", "", "≥ 0.8", "not measured"});
            return rows;
        }
        double r = many / one;
        rows.add(new String[] {"Scale", (long) b("scale.guests") + " guests x 4 queues: aggregate 4 KiB random-read "
                + "IOPS vs one guest with 4 queues, same hypervisor, same " + (long) b("scale.cores") + " cores",
            Targets.fmt(many) + " IOPS", Targets.fmt(one) + " IOPS", Targets.fmt(r), "≥ 0.8",
            r >= 0.8 ? Targets.MET : Targets.NOT_MET});
        return rows;
    }
}
