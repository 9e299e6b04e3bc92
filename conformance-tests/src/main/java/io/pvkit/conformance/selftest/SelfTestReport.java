package io.pvkit.conformance.selftest;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The results of running verification classes, per test method and per rule (worst wins).
 *
 * <p>A rule is <em>failed</em> when its worst outcome is {@link Outcome#FAILURE} or
 * {@link Outcome#ERROR}, <em>skipped</em> when it is {@link Outcome#SKIP}, and <em>passed</em>
 * when every method of the rule succeeded, <em>not run</em> when a {@code required_} method was
 * aborted ({@link Outcome#NOT_RUN}) and nothing worse happened.
 */
public final class SelfTestReport {

    private final List<TestResult> results;
    private final Map<String, Outcome> byRule;

    /**
     * Creates a report from per-method results.
     *
     * @param results what happened to each method and failed container
     */
    public SelfTestReport(List<TestResult> results) {
        this.results = List.copyOf(results);
        Map<String, Outcome> map = new TreeMap<>();
        for (TestResult r : this.results) {
            if (r.ruleId() != null) {
                map.merge(r.ruleId(), r.outcome(), Outcome::worst);
            }
        }
        this.byRule = Collections.unmodifiableMap(map);
    }

    /**
     * Every method result (and every failed class-level container), in execution order.
     *
     * @return the results
     */
    public List<TestResult> results() {
        return results;
    }

    /**
     * The outcome of each rule that ran, worst wins, sorted by rule id.
     *
     * @return rule id to outcome
     */
    public Map<String, Outcome> ruleOutcomes() {
        return byRule;
    }

    /**
     * The rules with a failure or error.
     *
     * @return rule ids, sorted
     */
    public Set<String> failedRules() {
        return rulesWhere(Outcome.FAILURE, Outcome.ERROR);
    }

    /**
     * The rules whose every method succeeded.
     *
     * @return rule ids, sorted
     */
    public Set<String> passedRules() {
        return rulesWhere(Outcome.SUCCESS);
    }

    /**
     * The rules whose worst outcome is a skip.
     *
     * @return rule ids, sorted
     */
    public Set<String> skippedRules() {
        return rulesWhere(Outcome.SKIP);
    }

    /**
     * The rules whose worst outcome is {@link Outcome#NOT_RUN}: a {@code required_} check was aborted.
     *
     * @return rule ids, sorted
     */
    public Set<String> notRunRules() {
        return rulesWhere(Outcome.NOT_RUN);
    }

    /**
     * The failures and errors recorded for one rule.
     *
     * @param ruleId a rule id such as {@code HC-01}
     * @return the throwables, empty when the rule did not fail
     */
    public List<Throwable> failuresOf(String ruleId) {
        List<Throwable> out = new ArrayList<>();
        for (TestResult r : results) {
            if (ruleId.equals(r.ruleId()) && r.throwable() != null
                    && (r.outcome() == Outcome.FAILURE || r.outcome() == Outcome.ERROR)) {
                out.add(r.throwable());
            }
        }
        return out;
    }

    /**
     * Failures and errors that belong to no rule: class-level failures (a constructor or
     * {@code @BeforeAll} threw) and failing methods whose names follow no rule.
     *
     * @return the results
     */
    public List<TestResult> unmappedProblems() {
        List<TestResult> out = new ArrayList<>();
        for (TestResult r : results) {
            if (r.ruleId() == null && (r.outcome() == Outcome.FAILURE || r.outcome() == Outcome.ERROR)) {
                out.add(r);
            }
        }
        return out;
    }

    private Set<String> rulesWhere(Outcome... wanted) {
        Set<String> out = new LinkedHashSet<>();
        for (Map.Entry<String, Outcome> e : byRule.entrySet()) {
            for (Outcome w : wanted) {
                if (e.getValue() == w) {
                    out.add(e.getKey());
                }
            }
        }
        return Collections.unmodifiableSet(out);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("SelfTestReport");
        sb.append(byRule);
        for (TestResult r : results) {
            if (r.outcome() != Outcome.SUCCESS) {
                sb.append("\n  ").append(r.outcome()).append(' ').append(r.shortName()).append(": ").append(r.reason());
            }
        }
        return sb.toString();
    }
}
