package io.pvkit.conformance.selftest;

/**
 * The result of one verification method, or of a rule, in XTF's vocabulary; declared from best to
 * worst, and a rule tested by several methods takes the worst of their outcomes
 * ({@code SUCCESS < SKIP < NOT_RUN < ERROR < FAILURE}).
 */
public enum Outcome {
    /** Every assertion held. */
    SUCCESS,
    /**
     * Not run, legitimately: an {@code optional_} check whose capability the implementation does not
     * declare (the reason is reported). Never fails a run.
     */
    SKIP,
    /**
     * A {@code required_} check (a MUST rule every implementation must answer) did not run to a verdict:
     * it was aborted by an assumption or by the implementation's behaviour (for example it answered
     * {@code -ENOSYS}). Neither a pass nor a fail: the run is incomplete.
     */
    NOT_RUN,
    /** The verification could not run to a verdict: an unexpected exception, not an assertion. */
    ERROR,
    /** An assertion failed: the implementation violates the rule. */
    FAILURE;

    /**
     * The worse of two outcomes (XTF: worst wins).
     *
     * @param other another outcome
     * @return whichever of {@code this} and {@code other} is worse
     */
    public Outcome worst(Outcome other) {
        return other.ordinal() > ordinal() ? other : this;
    }
}
