package io.pvkit.conformance.property;

import java.io.Serial;
import java.util.List;

/**
 * A property that failed: the seed that reproduces it, the shrunk counterexample and its cause.
 *
 * <p>The message prints everything needed to reproduce the case:
 * <pre>
 * Property 'boundedQueue' failed on try 17 of 200 (seed 4718291231).
 * Replay exactly this case with -Dpvkit.seed=4718291231
 * Shrunk counterexample (4 steps, after 63 shrink runs):
 *   1. offer(0)
 *   ...
 * </pre>
 */
public final class PropertyFailure extends AssertionError {

    @Serial
    private static final long serialVersionUID = 1L;

    private final String property;
    private final long seed;
    private final transient List<String> steps;
    private final transient List<String> originalSteps;

    PropertyFailure(String property, long seed, int tryNumber, int tries, List<String> steps,
                    List<String> originalSteps, int shrinkRuns, Throwable cause) {
        super(message(property, seed, tryNumber, tries, steps, originalSteps, shrinkRuns, cause), cause);
        this.property = property;
        this.seed = seed;
        this.steps = List.copyOf(steps);
        this.originalSteps = List.copyOf(originalSteps);
    }

    /**
     * The property's name.
     *
     * @return the name
     */
    public String property() {
        return property;
    }

    /**
     * The seed of the failing try; {@code -Dpvkit.seed=<seed>} or {@link Property#seed(long)}
     * replays it (and its shrinking) exactly.
     *
     * @return the seed
     */
    public long seed() {
        return seed;
    }

    /**
     * The shrunk counterexample: one line per model step, or one line per generated value.
     *
     * @return the steps
     */
    public List<String> steps() {
        return steps;
    }

    /**
     * The counterexample as first found, before shrinking.
     *
     * @return the steps
     */
    public List<String> originalSteps() {
        return originalSteps;
    }

    private static String message(String property, long seed, int tryNumber, int tries, List<String> steps,
                                  List<String> original, int shrinkRuns, Throwable cause) {
        StringBuilder sb = new StringBuilder();
        sb.append("Property '").append(property).append("' failed on try ").append(tryNumber).append(" of ")
                .append(tries).append(" (seed ").append(seed).append(").\n");
        sb.append("Replay exactly this case with -Dpvkit.seed=").append(seed).append('\n');
        sb.append("Shrunk counterexample (").append(steps.size()).append(steps.size() == 1 ? " step" : " steps")
                .append(", after ").append(shrinkRuns).append(" shrink runs):\n");
        appendSteps(sb, steps);
        sb.append("Cause: ").append(cause).append('\n');
        sb.append("Original counterexample (").append(original.size()).append(" steps):\n");
        appendSteps(sb, original.size() > 60 ? original.subList(0, 60) : original);
        if (original.size() > 60) {
            sb.append("  ...\n");
        }
        return sb.toString();
    }

    private static void appendSteps(StringBuilder sb, List<String> steps) {
        for (int i = 0; i < steps.size(); i++) {
            sb.append("  ").append(i + 1).append(". ").append(steps.get(i)).append('\n');
        }
    }
}
