package io.pvkit.conformance;

/**
 * How strongly a {@link Rule} binds an implementation (RFC 2119 vocabulary).
 *
 * <p>A {@link #MUST} rule is tested by a {@code required_...} method and a failure makes the kit's
 * runner exit non-zero; a {@link #SHOULD} rule is tested by an {@code optional_...} method and a
 * failure is reported but does not fail the run.
 */
public enum Level {
    /** An absolute requirement: a conforming implementation never violates it. */
    MUST,
    /** A recommendation: deviating is allowed for a documented reason. */
    SHOULD
}
