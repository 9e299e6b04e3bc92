package io.pvkit.conformance.selftest;

import java.util.Objects;
import java.util.Optional;

/**
 * What happened to one verification method (or one class-level container that failed).
 *
 * @param ruleId the rule id derived from the method name, or {@code null} when the name names no
 *     rule (or for a class-level failure)
 * @param className the concrete test class
 * @param methodName the test method, or {@code null} for a class-level result
 * @param displayName JUnit's display name (distinguishes repeated or parameterized invocations)
 * @param outcome the outcome
 * @param throwable the failure, or {@code null}
 * @param reason the skip reason or failure message, or {@code ""}
 */
public record TestResult(String ruleId, String className, String methodName, String displayName,
                         Outcome outcome, Throwable throwable, String reason) {

    /**
     * Validates the components.
     *
     * @param ruleId the rule id or {@code null}
     * @param className the test class
     * @param methodName the method or {@code null}
     * @param displayName the display name
     * @param outcome the outcome
     * @param throwable the failure or {@code null}
     * @param reason the reason, never {@code null}
     */
    public TestResult {
        Objects.requireNonNull(className, "className");
        Objects.requireNonNull(displayName, "displayName");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(reason, "reason");
    }

    /**
     * The rule this result belongs to.
     *
     * @return the rule id, or empty for a method that names no rule
     */
    public Optional<String> rule() {
        return Optional.ofNullable(ruleId);
    }

    /**
     * A short name for reports: {@code SimpleClass.method} or {@code SimpleClass}.
     *
     * @return the name
     */
    public String shortName() {
        String simple = className.substring(className.lastIndexOf('.') + 1);
        return methodName == null ? simple : simple + "." + methodName;
    }
}
