package io.pvkit.conformance.property;

import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A model-based test: how to make a fresh system under test and the matching initial model, which
 * actions may be generated in a model state, and invariants checked after every step.
 *
 * <p>Run it with {@link Property#check(StateMachine)}: each try generates a sequence of actions
 * whose preconditions hold, runs each against the system and the model side by side, and checks
 * the invariant after every step. A failing sequence is shrunk (steps dropped, parameters
 * simplified) to a minimal one.
 * {@snippet :
 * StateMachine<QueueModel, BoundedQueue> machine = StateMachine.of(
 *         () -> QueueModel.empty(3), () -> new BoundedQueue(3),
 *         model -> Gens.oneOf(Gens.ints(0, 9).map(Offer::new), Gens.constant(new Poll())))
 *     .withInvariant((model, queue) -> assertEquals(model.size(), queue.size()));
 * Property.named("boundedQueue").check(machine);
 * }
 * If the system is {@link AutoCloseable} it is closed after every try.
 *
 * @param <M> the immutable model type
 * @param <S> the system-under-test type
 */
public final class StateMachine<M, S> {

    /**
     * An invariant relating model and system, checked before the first and after every step.
     *
     * @param <M> the model type
     * @param <S> the system type
     */
    @FunctionalInterface
    public interface Invariant<M, S> {
        /**
         * Checks the invariant.
         *
         * @param model the current model state
         * @param system the system under test
         * @throws Exception (usually an {@link AssertionError}) when the invariant is violated
         */
        void check(M model, S system) throws Exception;
    }

    private final Supplier<? extends M> initialModel;
    private final Supplier<? extends S> newSystem;
    private final Function<? super M, ? extends Gen<? extends Action<M, S>>> actions;
    private final Invariant<M, S> invariant;
    private final int maxSteps;

    private StateMachine(Supplier<? extends M> initialModel, Supplier<? extends S> newSystem,
                         Function<? super M, ? extends Gen<? extends Action<M, S>>> actions,
                         Invariant<M, S> invariant, int maxSteps) {
        this.initialModel = Objects.requireNonNull(initialModel, "initialModel");
        this.newSystem = Objects.requireNonNull(newSystem, "newSystem");
        this.actions = Objects.requireNonNull(actions, "actions");
        this.invariant = Objects.requireNonNull(invariant, "invariant");
        if (maxSteps < 1) {
            throw new IllegalArgumentException("maxSteps must be positive: " + maxSteps);
        }
        this.maxSteps = maxSteps;
    }

    /**
     * Creates a machine with no invariant and at most 50 steps per sequence.
     *
     * @param initialModel makes the initial model state
     * @param newSystem makes a fresh system under test (one per try and per shrink attempt)
     * @param actions the generator of actions allowed in a model state
     * @param <M> the model type
     * @param <S> the system type
     * @return the machine
     */
    public static <M, S> StateMachine<M, S> of(Supplier<? extends M> initialModel, Supplier<? extends S> newSystem,
                                               Function<? super M, ? extends Gen<? extends Action<M, S>>> actions) {
        return new StateMachine<>(initialModel, newSystem, actions, (m, s) -> { }, 50);
    }

    /**
     * This machine with an invariant checked before the first step and after every step.
     *
     * @param check the invariant
     * @return a new machine
     */
    public StateMachine<M, S> withInvariant(Invariant<M, S> check) {
        return new StateMachine<>(initialModel, newSystem, actions, check, maxSteps);
    }

    /**
     * This machine with a different upper bound of steps per sequence.
     *
     * @param steps the bound
     * @return a new machine
     */
    public StateMachine<M, S> withMaxSteps(int steps) {
        return new StateMachine<>(initialModel, newSystem, actions, invariant, steps);
    }

    /**
     * Generates and runs one sequence, recording each step's description before it runs.
     *
     * @param source the choices
     * @param steps receives one line per step
     * @throws Throwable the first failure
     */
    void run(Source source, List<String> steps) throws Throwable {
        M model = initialModel.get();
        S system = newSystem.get();
        try {
            invariant.check(model, system);
            for (int i = 0; i < maxSteps; i++) {
                source.startSpan();
                try {
                    if (!source.drawContinue(100 / Math.min(maxSteps, 20))) {
                        return;
                    }
                    Action<M, S> action = null;
                    for (int attempt = 0; attempt < 20 && action == null; attempt++) {
                        Action<M, S> candidate = actions.apply(model).generate(source);
                        if (candidate.precondition(model)) {
                            action = candidate;
                        }
                    }
                    if (action == null) {
                        return;
                    }
                    steps.add(String.valueOf(action));
                    action.run(system, model);
                    model = action.nextModel(model);
                    invariant.check(model, system);
                } finally {
                    source.endSpan();
                }
            }
        } finally {
            if (system instanceof AutoCloseable closeable) {
                closeable.close();
            }
        }
    }
}
