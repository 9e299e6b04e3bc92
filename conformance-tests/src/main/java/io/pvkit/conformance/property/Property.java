package io.pvkit.conformance.property;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Runs a property: many seeded tries, shrinking of the first failure, and a failure message with
 * the seed that replays it.
 *
 * <p>Configuration, by precedence: {@link #tries(int)} / {@link #seed(long)} in code, then the
 * system properties {@code pvkit.tries} (the Maven build sets 200) and {@code pvkit.seed} (replays
 * exactly one try with that seed, as printed by a failure), then the defaults: {@value #DEFAULT_TRIES}
 * tries with a fresh random seed.
 * {@snippet :
 * Property.named("indexDistance").forAll(Gens.ints(), start -> assertEquals(5, (start + 5) - start));
 * }
 */
public final class Property {

    /** Tries when neither code nor {@code -Dpvkit.tries} says otherwise. */
    public static final int DEFAULT_TRIES = 100;
    /** Upper limit of shrink runs per failure, unless changed with {@link #maxShrinkRuns(int)}. */
    public static final int DEFAULT_MAX_SHRINK_RUNS = 2000;

    /**
     * A check of one generated value.
     *
     * @param <T> the value type
     */
    @FunctionalInterface
    public interface Check<T> {
        /**
         * Checks the value.
         *
         * @param value the generated value
         * @throws Exception (usually an {@link AssertionError}) when the property does not hold
         */
        void accept(T value) throws Exception;
    }

    /** One try: generate from the source, describe what was generated, run, throw on failure. */
    @FunctionalInterface
    interface Trial {
        void run(Source source, List<String> description) throws Throwable;
    }

    private final String name;
    private final Integer tries;
    private final Long seed;
    private final int maxShrinkRuns;

    private Property(String name, Integer tries, Long seed, int maxShrinkRuns) {
        this.name = Objects.requireNonNull(name, "name");
        this.tries = tries;
        this.seed = seed;
        this.maxShrinkRuns = maxShrinkRuns;
    }

    /**
     * Starts a property with a name used in failure messages.
     *
     * @param name the property's name
     * @return the property with default configuration
     */
    public static Property named(String name) {
        return new Property(name, null, null, DEFAULT_MAX_SHRINK_RUNS);
    }

    /**
     * Sets the number of tries, overriding {@code -Dpvkit.tries}.
     *
     * @param count the number of tries (positive)
     * @return a new property
     */
    public Property tries(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("tries must be positive: " + count);
        }
        return new Property(name, count, seed, maxShrinkRuns);
    }

    /**
     * Replays exactly one try with this seed (as printed by {@link PropertyFailure}), overriding
     * {@code -Dpvkit.seed}.
     *
     * @param trySeed the seed
     * @return a new property
     */
    public Property seed(long trySeed) {
        return new Property(name, tries, trySeed, maxShrinkRuns);
    }

    /**
     * Limits the number of runs spent shrinking a failure.
     *
     * @param runs the limit (0 disables shrinking)
     * @return a new property
     */
    public Property maxShrinkRuns(int runs) {
        return new Property(name, tries, seed, Math.max(0, runs));
    }

    /**
     * Checks {@code check} on generated values.
     *
     * @param gen the value generator
     * @param check the property
     * @param <T> the value type
     * @throws PropertyFailure with the seed and the shrunk value when the property fails
     */
    public <T> void forAll(Gen<T> gen, Check<? super T> check) {
        run((source, description) -> {
            T value = gen.generate(source);
            description.add(show(value));
            check.accept(value);
        });
    }

    /**
     * Runs a model-based test: random action sequences against the system and the model.
     *
     * @param machine the state machine
     * @param <M> the model type
     * @param <S> the system type
     * @throws PropertyFailure with the seed and the shrunk steps when a step or invariant fails
     */
    public <M, S> void check(StateMachine<M, S> machine) {
        run(machine::run);
    }

    /**
     * The effective number of tries.
     *
     * @return from code, else {@code -Dpvkit.tries}, else {@value #DEFAULT_TRIES}
     */
    public int effectiveTries() {
        if (tries != null) {
            return tries;
        }
        String configured = System.getProperty("pvkit.tries");
        return configured == null || configured.isBlank() ? DEFAULT_TRIES : Math.max(1, Integer.parseInt(configured.trim()));
    }

    private Long effectiveSeed() {
        if (seed != null) {
            return seed;
        }
        String configured = System.getProperty("pvkit.seed");
        if (configured == null || configured.isBlank()) {
            return null;
        }
        String s = configured.trim();
        return s.startsWith("0x") || s.startsWith("0X") ? Long.parseUnsignedLong(s.substring(2), 16) : Long.parseLong(s);
    }

    void run(Trial trial) {
        Long fixed = effectiveSeed();
        int count = fixed != null ? 1 : effectiveTries();
        SplittableRandom master = new SplittableRandom();
        int rejected = 0;
        for (int i = 1; i <= count; i++) {
            long trySeed = fixed != null ? fixed : master.nextLong();
            Outcome outcome = execute(trial, Source.random(trySeed));
            if (outcome.rejected) {
                if (++rejected > 10 * count) {
                    throw new IllegalStateException("property '" + name + "': too many rejected cases (" + rejected + ")");
                }
                i--;
                continue;
            }
            if (outcome.failure != null) {
                Outcome shrunk = shrink(trial, outcome);
                throw new PropertyFailure(name, trySeed, i, count, shrunk.description, outcome.description,
                        shrunk.runs, shrunk.failure);
            }
        }
    }

    private Outcome shrink(Trial trial, Outcome first) {
        Shrinker shrinker = new Shrinker(choices -> execute(trial, Source.replay(choices)), maxShrinkRuns);
        return shrinker.shrink(first);
    }

    static Outcome execute(Trial trial, Source source) {
        List<String> description = new ArrayList<>();
        Throwable failure = null;
        boolean rejected = false;
        try {
            trial.run(source, description);
        } catch (Source.Rejected r) {
            rejected = true;
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable t) {
            if (t.getClass().getName().equals("org.opentest4j.TestAbortedException")) {
                throw (RuntimeException) t;
            }
            failure = t;
        }
        return new Outcome(source.choices(), source.spans(), description, failure, rejected, 0);
    }

    private static String show(Object value) {
        return switch (value) {
            case null -> "null";
            case byte[] b -> Arrays.toString(b);
            case int[] a -> Arrays.toString(a);
            case long[] a -> Arrays.toString(a);
            case Object[] a -> Arrays.deepToString(a);
            case Integer v when (v > 0xFFFF || v < -0xFFFF) -> v + " (0x" + Integer.toHexString(v) + ")";
            case Long v when (v > 0xFFFF || v < -0xFFFF) -> v + " (0x" + Long.toHexString(v) + ")";
            default -> String.valueOf(value);
        };
    }

    /** What one run produced. */
    record Outcome(long[] choices, List<int[]> spans, List<String> description, Throwable failure,
                   boolean rejected, int runs) {
        Outcome withRuns(int count) {
            return new Outcome(choices, spans, description, failure, rejected, count);
        }
    }
}
