package io.pvkit.benchmarks.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The performance targets of issue 14, each evaluated from this run's figures: the pvkit figure, its baseline from the
 * same run, the ratio, the goal and the verdict (met, not met, or not measured with the reason).
 */
final class Targets {
    private static final String[] BATCHES = {"1", "4", "16", "32"};
    private final Map<String, JmhSuite.Figure> jmh;
    private final Map<String, List<Double>> cross;
    private final List<String> rows = new ArrayList<>();
    private final Map<String, Double> speed = new LinkedHashMap<>();

    private final Map<String, org.HdrHistogram.Histogram> latency;
    private final BlockTargets block;

    /** Verdict texts shared with {@link BlockTargets}. */
    static final String MET = "**met**";
    static final String NOT_MET = "**not met**";
    static final String NOISY = "no verdict (99.9 % interval wider than the score: machine too loaded)";

    Targets(Map<String, JmhSuite.Figure> jmh, Map<String, List<Double>> cross,
            Map<String, org.HdrHistogram.Histogram> latency, Map<String, Double> blockFigures) {
        this.jmh = jmh;
        this.cross = cross;
        this.latency = latency;
        this.block = new BlockTargets(jmh, blockFigures);
        evaluate();
    }

    private void add(List<String[]> cells) {
        for (String[] c : cells) {
            rows.add("| " + String.join(" | ", c) + " |");
        }
    }

    private double p50(String series) {
        org.HdrHistogram.Histogram h = latency.get(series);
        return h == null || h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(50);
    }

    private double j(String key) {
        JmhSuite.Figure f = jmh.get(key);
        return f == null ? Double.NaN : f.score();
    }

    /** Whether a JMH figure's 99.9 % interval is wider than the figure itself (no ratio can rest on it). */
    private boolean noisy(String... keys) {
        for (String k : keys) {
            JmhSuite.Figure f = jmh.get(k);
            if (f != null && !(f.error() <= f.score())) {
                return true;
            }
        }
        return false;
    }

    private String js(String key) {
        JmhSuite.Figure f = jmh.get(key);
        return f == null ? "not run" : fmt(f.score()) + " ± " + fmt(f.error()) + " " + f.unit();
    }

    /** Median over rounds of a / b, taken round by round. */
    private double crossRatio(String a, String b) {
        List<Double> x = cross.getOrDefault(a, List.of());
        List<Double> y = cross.getOrDefault(b, List.of());
        List<Double> r = new ArrayList<>();
        for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
            r.add(x.get(i) / y.get(i));
        }
        return median(r);
    }

    /** min..max over rounds of a / b. */
    private String crossRange(String a, String b) {
        List<Double> x = cross.getOrDefault(a, List.of());
        List<Double> y = cross.getOrDefault(b, List.of());
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
            double r = x.get(i) / y.get(i);
            if (Double.isFinite(r)) {
                lo = Math.min(lo, r);
                hi = Math.max(hi, r);
            }
        }
        return lo > hi ? "" : "; ratio per round " + fmt(lo) + "..." + fmt(hi);
    }

    private String cs(String key) {
        List<Double> v = cross.getOrDefault(key, List.of());
        return fmt(median(v)) + " " + CrossProcessRingsUnits.unit(key) + " (median of " + v.size() + ")";
    }

    private void evaluate() {
        // rings, cross-process
        for (String pair : List.of("tp.pvkit-pvkit", "tp.pvkitBack-cFront", "tp.cBack-pvkitFront")) {
            double r = crossRatio(pair, "tp.c-c");
            row("Rings", "cross-process throughput, " + pair.substring(3) + " vs C pair on io/ring.h", cs(pair), cs("tp.c-c")
                    + crossRange(pair, "tp.c-c"), r, "≥ 1.0", r >= 1.0);
            speed.put("x-proc throughput " + pair.substring(3), r);
        }
        double rtt = crossRatio("rtt.pvkit-pvkit", "rtt.c-c");
        row("Rings", "cross-process round trip vs C pair", cs("rtt.pvkit-pvkit"), cs("rtt.c-c")
                + crossRange("rtt.pvkit-pvkit", "rtt.c-c"), rtt, "≤ 1.1", rtt <= 1.1);
        speed.put("x-proc round trip", 1 / rtt);
        double rttFlag = crossRatio("rtt.pvkit-pvkit", "flag.c-c");
        row("Rings", "cross-process round trip vs bare flag ping-pong (C)", cs("rtt.pvkit-pvkit"), cs("flag.c-c")
                + crossRange("rtt.pvkit-pvkit", "flag.c-c"), rttFlag,
                "≤ 3", rttFlag <= 3);
        double flags = crossRatio("flag.java-java", "flag.c-c");
        row("Rings", "(context) Java flag ping-pong vs C flag ping-pong", cs("flag.java-java"), cs("flag.c-c"), flags,
                "none", Verdict.CONTEXT);
        // CPU, not time: the one-thread work loops do not wait, so the machine's load barely moves their ratio
        row("Rings", "(context) work per request, one thread, no waiting: RingWork vs xen_ring_pair loop (CPU ns)",
                cs("work.pvkit"), cs("work.c") + crossRange("work.pvkit", "work.c"), crossRatio("work.pvkit", "work.c"),
                "none", Verdict.CONTEXT);
        row("Rings", "(context) CPU per request of both processes, pvkit pair vs C pair (throughput runs, waiting included)",
                cs("cpu.pvkit-pvkit"), cs("cpu.c-c") + crossRange("cpu.pvkit-pvkit", "cpu.c-c"),
                crossRatio("cpu.pvkit-pvkit", "cpu.c-c"), "none", Verdict.CONTEXT);
        // rings, in-process
        String pp = "RingPingPongBenchmark.pvkit:pvkitRoundTrip";
        String jc = "RingPingPongBenchmark.jctools:jctoolsRoundTrip";
        double ping = j(pp) / j(jc);
        row("Rings", "in-process ping-pong round trip vs JCTools SpscArrayQueue", js(pp), js(jc), ping, "≤ 1.0",
                verdict(noisy(pp, jc), ping <= 1.0));
        speed.put("in-proc ping-pong", 1 / ping);
        // the median of a per-round-trip histogram survives preemption that ruins a JMH mean on a loaded machine
        double hp = p50("pvkit ring");
        double hj = p50("JCTools SpscArrayQueue pair");
        double hf = p50("flag ping-pong (floor)");
        row("Rings", "in-process ping-pong round trip, median of every round trip (HdrHistogram) vs JCTools",
                fmt(hp) + " ns", fmt(hj) + " ns", hp / hj, "≤ 1.0", hp / hj <= 1.0);
        row("Rings", "(context) same, vs a flag ping-pong over the same page", fmt(hp) + " ns", fmt(hf) + " ns", hp / hf,
                "none", Verdict.CONTEXT);
        String tp = "RingThroughputBenchmark.pvkit:completed[batch=32]";
        String tpj = "RingThroughputBenchmark.jctools:completed[batch=32]";
        double thr = j(tp) / j(tpj);
        row("Rings", "in-process throughput (32 in flight) vs JCTools", js(tp), js(tpj), thr, "≥ 1.0",
                verdict(noisy(tp, tpj), thr >= 1.0));
        speed.put("in-proc throughput", thr);
        add(block.notificationRows());
        // events
        String hs = "EventSendHypercallBenchmark.hypercallSend";
        String or = "EventSendHypercallBenchmark.baselineAtomicOr";
        double send = j(hs);
        row("Events", "EVTCHNOP_send through the hypercall handler, argument in guest memory (absolute)", js(hs), js(or),
                send / j(or), "≤ 50 ns", verdict(noisy(hs), send <= 50));
        speed.put("event send (vs atomic OR)", j(or) / send);
        String ev = "EventChannelLatencyBenchmark.event[vcpuWait=spin]";
        String fl = "EventChannelLatencyBenchmark.flagPingPong[vcpuWait=spin]";
        double evr = j(ev) / j(fl);
        row("Events", "send to handler on a spinning vCPU vs one-way flag ping-pong", js(ev), js(fl), evr, "≤ 2",
                verdict(noisy(ev, fl), evr <= 2));
        speed.put("event to handler", 1 / evr);
        String one = "EventSendScalingBenchmark.oneGuest[sendPath=library]";
        String two = "EventSendScalingBenchmark.twoGuests[sendPath=library]";
        String old = "EventSendScalingBenchmark.twoGuests[sendPath=globalReadLock]";
        row("Events", "(context) two guests sending at once, aggregate vs one guest (no global lock on the send path)",
                js(two), js(one), j(two) / j(one), "none", Verdict.CONTEXT);
        row("Events", "(context) two guests sending, per-port locks vs the former global read lock (emulated)",
                js(two), js(old), j(two) / j(old), "none", Verdict.CONTEXT);
        // JFR events off: the same dispatcher with and without the event code (two JVMs, one run)
        for (String call : List.of("xenVersion", "send")) {
            String on = "HypercallDispatchBenchmark." + call;
            String out = "HypercallDispatchBenchmark." + call + "WithoutEventCode";
            double r = j(on) / j(out);
            row("JFR", "hypercall (" + call + ") through the reference dispatcher, io.pvkit.Hypercall event off vs no "
                    + "event code", js(on), js(out), r, "≤ 1.1 (no cost)", verdict(noisy(on, out), r <= 1.1));
        }
        // the library events, likewise (JfrOffBenchmark: -Dpvkit.grant.jfr=false, -Dpvkit.events.jfr=false)
        for (String[] path : List.of(new String[] {"grantMapUnmap", "GrantTables.mapHandle + unmap (CHECKED), io.pvkit.GrantMap"},
                new String[] {"eventSend", "EventChannels.send, io.pvkit.EventChannelSend"})) {
            String on = "JfrOffBenchmark." + path[0];
            String out = "JfrOffBenchmark." + path[0] + "WithoutEventCode";
            double r = j(on) / j(out);
            // a missing variant without the event code is "not measured", never a ratio against nothing
            String measured = jmh.containsKey(out) ? js(on) : "not run (no variant without the event code; with it: "
                    + js(on) + ")";
            row("JFR", path[1] + " event off vs no event code", measured, js(out), r, "≤ 1.1 (no cost)",
                    verdict(noisy(on, out), r <= 1.1));
        }
        // grants
        for (String mode : List.of("Shared", "Confined")) {
            String k = "GrantMapBenchmark.mapReadUnmap" + mode;
            double ns = j(k);
            row("Grants", "map+unmap " + mode.toUpperCase(Locale.ROOT) + " (pairs/s = 1e9 / ns)", js(k),
                    js("GrantMapBenchmark.baseline" + mode + "Arena"), Double.NaN, "≥ 1 M pairs/s (≤ 1000 ns)",
                    verdict(noisy(k) && ns > 1000, ns <= 1000));
        }
        String ck = "GrantMapBenchmark.mapReadUnmapChecked";
        String sh = "GrantMapBenchmark.mapReadUnmapShared";
        double cns = j(ck);
        row("Grants", "map+unmap CHECKED, the lifetime a multi-threaded backend uses (pairs/s = 1e9 / ns) vs SHARED",
                js(ck), js(sh), cns / j(sh), "≥ 1 M pairs/s (≤ 1000 ns)", verdict(noisy(ck) && cns > 1000, cns <= 1000));
        String c2 = "GrantMapConcurrentBenchmark.mapReadUnmap[lifetime=CHECKED]";
        String s2 = "GrantMapConcurrentBenchmark.mapReadUnmap[lifetime=SHARED]";
        row("Grants", "(context) map+unmap from two threads on one table, CHECKED vs SHARED (ns per pair per thread)",
                js(c2), js(s2), j(c2) / j(s2), "none", Verdict.CONTEXT);
        for (String path : List.of("grantCopyJavaApi", "grantCopyHypercall")) {
            String k = "GrantCopyBenchmark." + path + "[bytes=4096]";
            String base = "GrantCopyBenchmark.baselineSegmentCopy[bytes=4096]";
            double bw = j(base) / j(k);
            row("Grants", "grant copy 4 KiB (" + path + ") bandwidth vs MemorySegment.copy", js(k), js(base), bw, "≥ 0.6",
                    verdict(noisy(k, base), bw >= 0.6));
            speed.put("grant copy " + path.substring(9), bw);
        }
        add(block.blockRows());
        // allocation
        for (String k : List.of("RingPushPollBenchmark.exchange", "EventSendHypercallBenchmark.hypercallSend",
                "EventSendHypercallBenchmark.directSend", "EventChannelThroughputBenchmark.sendAndDemux",
                "GrantCopyBenchmark.grantCopyJavaApi[bytes=4096]", "GrantCopyBenchmark.grantCopyHypercall[bytes=4096]",
                "GrantMapBenchmark.mapReadUnmapChecked", "GrantMapBenchmark.mapHandleReadUnmapChecked",
                "GrantMapBenchmark.mapHandleCursorReadUnmapChecked", "GrantMapBenchmark.mapHandleUnmapChecked",
                "Dom0GrantCopyBenchmark.toGuest", "Dom0GrantCopyBenchmark.fromGuest",
                "HypercallDispatchBenchmark.xenVersion", "JfrOffBenchmark.grantMapUnmap", "JfrOffBenchmark.eventSend")) {
            int p = k.indexOf('[');
            String key = p < 0 ? k + ":gc.alloc.rate.norm" : k.substring(0, p) + ":gc.alloc.rate.norm" + k.substring(p);
            double bytes = j(key);
            // one iteration that allocated (JIT transition, first use of a thread-local) shows as a mean above 1
            // with an interval wider than the mean: no verdict then, rather than a false "not met"
            row("Allocation", "bytes allocated per op, " + k, js(key), "0 B/op", Double.NaN, "0 B/op (< 1)",
                    verdict(bytes >= 1 && noisy(key), bytes < 1));
        }
        add(block.scaleRows());
    }

    /** A target's verdict. */
    private enum Verdict { MET, NOT_MET, NOISY, CONTEXT }

    private static Verdict verdict(boolean noisy, boolean met) {
        return noisy ? Verdict.NOISY : met ? Verdict.MET : Verdict.NOT_MET;
    }

    private void row(String area, String what, String measured, String baseline, double ratio, String goal, boolean met) {
        row(area, what, measured, baseline, ratio, goal, met ? Verdict.MET : Verdict.NOT_MET);
    }

    private void row(String area, String what, String measured, String baseline, double ratio, String goal, Verdict v) {
        String verdict = measured.startsWith("not run") ? "not measured" : switch (v) {
            case CONTEXT -> "context";
            case NOISY -> NOISY;
            case MET -> MET;
            case NOT_MET -> NOT_MET;
        };
        rows.add("| " + area + " | " + what + " | " + measured + " | " + baseline + " | " + fmt(ratio) + " | " + goal
                + " | " + verdict + " |");
    }

    String table() {
        StringBuilder b = new StringBuilder("| area | target | pvkit | baseline (same run) | ratio pvkit/baseline | goal | verdict |\n"
                + "| --- | --- | --- | --- | ---: | --- | --- |\n");
        rows.forEach(r -> b.append(r).append('\n'));
        b.append("\nRatios: times over times, rates over rates (for grant copy: baseline time / pvkit time, i.e. bandwidth "
                + "ratio). Cross-process ratios are medians of per-round ratios.\n");
        return b.toString();
    }

    /** Speed relative to the baseline, oriented so that above 1 is better, for the chart. */
    Map<String, Double> speedRatios() {
        return speed;
    }

    /** Throughput by batch for the chart: implementation to (batch, completed per µs). */
    Map<String, double[][]> throughputByBatch() {
        Map<String, double[][]> out = new LinkedHashMap<>();
        for (String impl : List.of("pvkit", "jctools")) {
            double[][] pts = new double[BATCHES.length][];
            for (int i = 0; i < BATCHES.length; i++) {
                pts[i] = new double[] {Double.parseDouble(BATCHES[i]),
                    j("RingThroughputBenchmark." + impl + ":completed[batch=" + BATCHES[i] + "]")};
            }
            out.put(impl.equals("pvkit") ? "pvkit ring (1 page, 32 slots)" : "JCTools SpscArrayQueue pair (32)", pts);
        }
        return out;
    }

    String batchTable() {
        StringBuilder b = new StringBuilder("| in flight | pvkit (round trips/µs) | JCTools (round trips/µs) | pvkit / JCTools |\n"
                + "| ---: | --- | --- | ---: |\n");
        for (String batch : BATCHES) {
            String p = "RingThroughputBenchmark.pvkit:completed[batch=" + batch + "]";
            String q = "RingThroughputBenchmark.jctools:completed[batch=" + batch + "]";
            b.append("| ").append(batch).append(" | ").append(js(p)).append(" | ").append(js(q)).append(" | ")
                    .append(fmt(j(p) / j(q))).append(" |\n");
        }
        b.append("| plain SPSC ring over the page (always full) | | | `")
                .append(js("RingThroughputBenchmark.plain:completed")).append("` |\n");
        return b.toString();
    }

    static double median(List<Double> v) {
        List<Double> s = v.stream().filter(Double::isFinite).sorted().toList();
        if (s.isEmpty()) {
            return Double.NaN;
        }
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        double a = Math.abs(v);
        return String.format(Locale.ROOT, a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : a >= 1 ? "%.2f" : "%.3f", v);
    }

    /** Units of the cross-process figures. */
    private static final class CrossProcessRingsUnits {
        static String unit(String key) {
            return io.pvkit.benchmarks.crossprocess.CrossProcessRings.FIGURES.getOrDefault(key, "");
        }
    }
}
