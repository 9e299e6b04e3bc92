package io.pvkit.conformance.selftest;

/**
 * The result of one verification method, or of a rule, in XTF's vocabulary; declared from best to
 * worst, and a rule tested by several methods takes the worst of their outcomes.
 */
public enum Outcome {
    /** Every assertion held. */
    SUCCESS,
    /** Not run: the implementation declared the capability missing (the reason is reported). */
    SKIP,
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
