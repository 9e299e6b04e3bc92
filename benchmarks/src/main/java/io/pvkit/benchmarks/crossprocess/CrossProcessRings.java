package io.pvkit.benchmarks.crossprocess;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Drives the cross-process ring figures: compiles the C baselines ({@code xen_ring_pair.c}, {@code flag_pingpong.c})
 * with {@code gcc -O2 -msse4.2} against the installed Xen headers, then runs, round after round (so that a drift of
 * the shared machine touches every pair alike), over a fresh file in {@code /dev/shm}:
 * <ul>
 *   <li>throughput (64-byte requests, 1-page ring of 32 slots, the front keeps the ring full): C front + C back,
 *       pvkit {@code RingPeer} front + back, pvkit back with the C front, C back with the pvkit front;</li>
 *   <li>round trip (window 1): C pair, pvkit pair;</li>
 *   <li>flag ping-pong (the floor): C pair, Java pair;</li>
 *   <li>CPU per request of each throughput pair ({@code cpu.*}: both processes' CPU time, user + system, over
 *       their measured windows, per measured request): unlike the rates it barely moves with the load of a
 *       shared machine;</li>
 *   <li>work per request ({@code work.*}): the C pair's and pvkit's front and back stepped alternately by one
 *       thread over private memory ({@code xen_ring_pair loop}, {@code RingWork}): the CPU cost of the code
 *       without any waiting.</li>
 * </ul>
 * The front's own timer is the figure; every driver (C or Java, front and back) starts it after its first
 * {@code warmup} exchanges (a quarter of the run), so that pvkit's figure is its steady state and not its JIT
 * warm-up; the rate is the measured exchanges over those seconds.
 * Each figure is kept per round; ratios are taken round by round and their median reported.
 */
public final class CrossProcessRings {
    private static final Pattern SECONDS = Pattern.compile("seconds=([0-9.]+)");
    private static final Pattern MEASURED = Pattern.compile("measured=([0-9]+)");
    private static final Pattern CPU = Pattern.compile(" cpu=([0-9.]+)");
    private static final Pattern THREAD_CPU = Pattern.compile("thread-cpu=([0-9.]+)");
    private static final String START = "0xFFFFFFF0";

    /**
     * What to run.
     *
     * @param benchmarksJar the shaded benchmarks jar (holds RingPeer and JavaFlagPingPong)
     * @param cSources the directory with the C baselines
     * @param work where the C programs are built
     * @param rounds rounds of every figure
     * @param throughputCount requests per throughput run
     * @param roundTripCount requests per round-trip run
     */
    public record Config(Path benchmarksJar, Path cSources, Path work, int rounds, long throughputCount,
                         long roundTripCount) {
    }

    /** Figures in the order they are run in each round; the value is the unit. */
    public static final Map<String, String> FIGURES = figures();

    private static Map<String, String> figures() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("tp.c-c", "M req/s");
        m.put("tp.pvkit-pvkit", "M req/s");
        m.put("tp.pvkitBack-cFront", "M req/s");
        m.put("tp.cBack-pvkitFront", "M req/s");
        m.put("rtt.c-c", "µs");
        m.put("rtt.pvkit-pvkit", "µs");
        m.put("flag.c-c", "µs");
        m.put("flag.java-java", "µs");
        m.put("cpu.c-c", "ns/req");
        m.put("cpu.pvkit-pvkit", "ns/req");
        m.put("cpu.pvkitBack-cFront", "ns/req");
        m.put("cpu.cBack-pvkitFront", "ns/req");
        m.put("work.c", "ns/req");
        m.put("work.pvkit", "ns/req");
        return m;
    }

    private CrossProcessRings() {
    }

    /**
     * Runs every figure {@code rounds} times.
     *
     * @param c the configuration
     * @param log progress lines
     * @return figure name to one value per round (NaN where a run failed)
     */
    public static Map<String, List<Double>> run(Config c, java.io.PrintStream log) {
        try {
            Files.createDirectories(c.work());
            Path pair = c.work().resolve("xen_ring_pair");
            Path flag = c.work().resolve("flag_pingpong");
            gcc(c.cSources().resolve("xen_ring_pair.c"), pair, "-msse4.2");
            gcc(c.cSources().resolve("flag_pingpong.c"), flag);
            Path file = Path.of("/dev/shm", "pvkit-bench-" + ProcessHandle.current().pid());
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String jar = c.benchmarksJar().toString();
            Map<String, List<Double>> out = new LinkedHashMap<>();
            FIGURES.keySet().forEach(k -> out.put(k, new ArrayList<>()));
            for (int r = 0; r < c.rounds(); r++) {
                long tp = c.throughputCount();
                long rt = c.roundTripCount();
                String tpN = Long.toString(tp);
                String tpW = Long.toString(tp / 4);
                String rtN = Long.toString(rt);
                String rtW = Long.toString(rt / 4);
                String f = file.toString();
                List<String> cBack = List.of(pair.toString(), "back", f, "1", tpN, START, "4294967295", "120", tpW);
                List<String> cFront = List.of(pair.toString(), "front", f, "1", tpN, START, "4294967295", "120", tpW);
                List<String> jBack = ringPeer(java, jar, "back", file, tp, null, tp / 4);
                List<String> jFront = ringPeer(java, jar, "front", file, tp, null, tp / 4);
                throughput(out, "c-c", pairRun(file, cBack, cFront));
                throughput(out, "pvkit-pvkit", pairRun(file, jBack, jFront));
                throughput(out, "pvkitBack-cFront", pairRun(file, jBack, cFront));
                throughput(out, "cBack-pvkitFront", pairRun(file, cBack, jFront));
                out.get("work.c").add(cpuPerRequest(loopRun(List.of(pair.toString(), "loop", "1", tpN, tpW))));
                out.get("work.pvkit").add(cpuPerRequest(loopRun(List.of(java, "-cp", jar, "io.pvkit.rings.tools.RingWork",
                        "1", tpN, tpW))));
                List<String> cBackRt = List.of(pair.toString(), "back", f, "1", rtN, START);
                List<String> cFrontRt = List.of(pair.toString(), "front", f, "1", rtN, START, "1", "120", rtW);
                out.get("rtt.c-c").add(micros(pairRun(file, cBackRt, cFrontRt)));
                out.get("rtt.pvkit-pvkit").add(micros(pairRun(file, ringPeer(java, jar, "back", file, rt, null, 0),
                        ringPeer(java, jar, "front", file, rt, "1", rt / 4))));
                out.get("flag.c-c").add(micros(pairRun(file, List.of(flag.toString(), "pong", f, rtN),
                        List.of(flag.toString(), "ping", f, rtN, "120", rtW))));
                String fpp = JavaFlagPingPong.class.getName();
                out.get("flag.java-java").add(micros(pairRun(file, List.of(java, "-cp", jar, fpp, "pong", f, rtN),
                        List.of(java, "-cp", jar, fpp, "ping", f, rtN, "120", rtW))));
                int round = r;
                log.println("cross-process round " + (r + 1) + "/" + c.rounds() + ": "
                        + String.join(", ", out.entrySet().stream().map(e -> e.getKey() + "="
                        + String.format(Locale.ROOT, "%.3f", e.getValue().get(round))).toList()));
            }
            Files.deleteIfExists(file);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static void throughput(Map<String, List<Double>> out, String pair, double[] run) {
        out.get("tp." + pair).add(rate(run));
        out.get("cpu." + pair).add(cpuPerRequest(run));
    }

    /** Nanoseconds of CPU (both processes) per measured exchange; NaN when the run failed or reported no CPU. */
    private static double cpuPerRequest(double[] run) {
        return (run[2] + run[3]) / run[0] * 1e9;
    }

    /** Millions of exchanges per second from a driver's (measured, seconds); NaN when the run failed. */
    private static double rate(double[] run) {
        return run[0] / run[1] / 1e6;
    }

    /** Microseconds per exchange from a driver's (measured, seconds); NaN when the run failed. */
    private static double micros(double[] run) {
        return run[1] / run[0] * 1e6;
    }

    private static List<String> ringPeer(String java, String jar, String role, Path file, long count, String window,
                                         long warmup) {
        List<String> cmd = new ArrayList<>(List.of(java, "-cp", jar, "io.pvkit.rings.tools.RingPeer", "--role", role,
                "--file", file.toString(), "--ring-pages", "1", "--request-size", "64", "--response-size", "16",
                "--count", Long.toString(count), "--start", START, "--timeout-seconds", "120",
                "--warmup", Long.toString(warmup)));
        if (window != null) {
            cmd.addAll(List.of("--window", window));
        }
        return cmd;
    }

    private static void gcc(Path source, Path exe, String... flags) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("gcc", "-O2", "-Wall", "-Wextra", "-Werror"));
        cmd.addAll(List.of(flags));
        cmd.addAll(List.of("-o", exe.toString(), source.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("gcc failed for " + source + ":\n" + log);
        }
    }

    /** Runs a one-process loop; returns its (measured, seconds, looping thread's cpu, 0), NaN when it failed. */
    private static double[] loopRun(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return failed();
        }
        Matcher m = SECONDS.matcher(out);
        Matcher n = MEASURED.matcher(out);
        if (p.exitValue() != 0 || !m.find() || !n.find()) {
            System.err.println("loop failed: " + cmd + "\n  " + out.strip());
            return failed();
        }
        // the looping thread's own CPU time where reported (the JVM's JIT and GC threads excluded), else the process's
        Matcher t = THREAD_CPU.matcher(out);
        double cpu = t.find() ? Double.parseDouble(t.group(1)) : cpu(out);
        return new double[] {Double.parseDouble(n.group(1)), Double.parseDouble(m.group(1)), cpu, 0};
    }

    private static double[] failed() {
        return new double[] {Double.NaN, Double.NaN, Double.NaN, Double.NaN};
    }

    /** The {@code cpu=} seconds of a line, NaN when it has none (the flag ping-pongs). */
    private static double cpu(String line) {
        Matcher c = CPU.matcher(line);
        return c.find() ? Double.parseDouble(c.group(1)) : Double.NaN;
    }

    /**
     * Runs the waiting side, then the driving side, over a fresh file; returns the driver's (measured, seconds)
     * and both sides' CPU seconds over their measured windows (driver, waiter; NaN where not reported).
     */
    private static double[] pairRun(Path file, List<String> waiter, List<String> driver) throws IOException, InterruptedException {
        Files.deleteIfExists(file);
        Process w = new ProcessBuilder(waiter).redirectErrorStream(true).start();
        Process d = new ProcessBuilder(driver).redirectErrorStream(true).start();
        String dOut = new String(d.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String wOut = new String(w.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        boolean ok = d.waitFor(180, TimeUnit.SECONDS) & w.waitFor(30, TimeUnit.SECONDS);
        if (!ok) {
            d.destroyForcibly();
            w.destroyForcibly();
            return failed();
        }
        Matcher m = SECONDS.matcher(dOut);
        Matcher n = MEASURED.matcher(dOut);
        if (d.exitValue() != 0 || w.exitValue() != 0 || !m.find() || !n.find()) {
            System.err.println("pair failed: " + driver + "\n  " + dOut.strip() + "\n  " + wOut.strip());
            return failed();
        }
        return new double[] {Double.parseDouble(n.group(1)), Double.parseDouble(m.group(1)), cpu(dOut), cpu(wOut)};
    }

    /**
     * Runs the figures and prints them.
     *
     * @param args {@code JAR C-SOURCES WORK ROUNDS THROUGHPUT-COUNT ROUND-TRIP-COUNT}
     */
    public static void main(String[] args) {
        Config c = new Config(Path.of(args[0]), Path.of(args[1]), Path.of(args[2]), Integer.parseInt(args[3]),
                Long.parseLong(args[4]), Long.parseLong(args[5]));
        run(c, System.out).forEach((k, v) -> System.out.println(k + "\t" + FIGURES.get(k) + "\t" + v));
    }
}
