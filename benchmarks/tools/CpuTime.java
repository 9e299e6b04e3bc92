import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Method;
import java.util.Arrays;

/**
 * CPU time per call of one single-threaded JMH benchmark method, for comparisons on a loaded machine (CPU time of the
 * calling thread is not stretched by other processes the way JMH's wall clock is). Not JMH: no blackhole, no forks;
 * use it only to compare two builds of the same method side by side ({@code benchmarks/compare-cpu-time.sh}).
 *
 * <p>Usage (single-file source launch, on the class path of a benchmarks jar):
 * {@code java -cp benchmarks.jar benchmarks/tools/CpuTime.java CLASS METHOD CALLS REPETITIONS}. Calls the class's
 * public no-argument {@code setUp}, then METHOD CALLS times per repetition, and prints the CPU nanoseconds per call of
 * each repetition and the best of the last half.
 */
public final class CpuTime {
    public static volatile long sink;

    public static void main(String[] args) throws Exception {
        Class<?> type = Class.forName(args[0]);
        Object state = type.getConstructor().newInstance();
        type.getMethod("setUp").invoke(state);
        Method m = type.getMethod(args[1]);
        int calls = Integer.parseInt(args[2]);
        int reps = Integer.parseInt(args[3]);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        double[] ns = new double[reps];
        for (int r = 0; r < reps; r++) {
            long t0 = mx.getCurrentThreadCpuTime();
            for (int i = 0; i < calls; i++) {
                Object o = m.invoke(state);
                sink += o instanceof Number n ? n.longValue() : 1;
            }
            ns[r] = (mx.getCurrentThreadCpuTime() - t0) / (double) calls;
        }
        try {
            type.getMethod("tearDown").invoke(state);
        } catch (NoSuchMethodException ignored) {
            // no tear-down
        }
        double best = Arrays.stream(ns, reps / 2, reps).min().orElseThrow();
        System.out.printf("%s.%s cpu-ns/call %s best-of-last-half %.1f%n", type.getSimpleName(), args[1],
                Arrays.toString(Arrays.stream(ns).map(v -> Math.round(v * 10) / 10.0).toArray()), best);
    }
}
