package io.pvkit.conformance.property;

/**
 * One step of a model-based test: it runs against the system under test and advances an
 * immutable model side by side.
 *
 * <p>{@code toString()} describes the step (e.g. {@code "offer(7)"}); failure messages list the
 * shrunk steps with it, so keep it short and include every parameter.
 *
 * @param <M> the immutable model type
 * @param <S> the system-under-test type
 */
public interface Action<M, S> {

    /**
     * Whether this step may run in the given model state; generation only uses steps whose
     * precondition holds, and so does replay after shrinking.
     *
     * @param model the model state before the step
     * @return {@code true} when the step is allowed (the default)
     */
    default boolean precondition(M model) {
        return true;
    }

    /**
     * Runs the step against the system under test and asserts its observable result against what
     * the model predicts.
     *
     * @param system the system under test
     * @param model the model state before the step
     * @throws Exception when the system fails; an {@link AssertionError} for a wrong result
     */
    void run(S system, M model) throws Exception;

    /**
     * The model after this step (pure; must not touch the system).
     *
     * @param model the model state before the step
     * @return the model state after the step
     */
    M nextModel(M model);
}
