package io.pvkit.conformance;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One numbered conformance rule: an id such as {@code RING-01} or {@code HC-05}, a level, one
 * sentence of text and the Xen header, advisory or commit it comes from.
 *
 * <p>Verification methods name the rule they test (the id with {@code '-'} written as {@code '_'});
 * {@link #idOfTestMethod(String)} maps a method name back to the id. The prefix says whether the
 * check may be skipped, as in the Reactive Streams TCK:
 * <ul>
 *   <li>{@code required_RING_01_backendStops...}: a check of a {@link Level#MUST} rule that every
 *       implementation answers. It is never skipped by behaviour: if it is aborted anyway (an
 *       assumption, an implementation answering {@code -ENOSYS}), the runner reports the rule as
 *       <em>not run</em>, which is neither a pass nor a fail.</li>
 *   <li>{@code optional_EVT_08_...}: a check of a {@link Level#SHOULD} rule, or a capability-gated
 *       check of a MUST rule (it runs only when the implementation declares the capability, and is a
 *       legitimate SKIP otherwise).</li>
 * </ul>
 *
 * @param id the rule id: upper-case area prefix, {@code '-'}, at least two digits
 * @param level how strongly the rule binds
 * @param text one sentence stating what a conforming implementation does
 * @param source where the rule comes from (Xen header, advisory, commit)
 */
public record Rule(String id, Level level, String text, String source) {

    /** The shape of a rule id, e.g. {@code GNT-12} or {@code RINGP-01}. */
    public static final Pattern ID_PATTERN = Pattern.compile("[A-Z]+-[0-9]{2,}");

    private static final Pattern TEST_METHOD = Pattern.compile("^(required|optional|untested)_([A-Z]+)_([0-9]{2,})(_.*)?$");

    /**
     * Validates the components.
     *
     * @param id the rule id
     * @param level how strongly the rule binds
     * @param text one sentence
     * @param source the origin of the rule
     */
    public Rule {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(level, "level");
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(source, "source");
        if (!ID_PATTERN.matcher(id).matches()) {
            throw new IllegalArgumentException("rule id must look like AREA-01: " + id);
        }
        if (text.isBlank() || source.isBlank()) {
            throw new IllegalArgumentException("rule " + id + " needs text and source");
        }
    }

    /**
     * Creates a {@link Level#MUST} rule.
     *
     * @param id the rule id
     * @param text one sentence
     * @param source the origin of the rule
     * @return the rule
     */
    public static Rule must(String id, String text, String source) {
        return new Rule(id, Level.MUST, text, source);
    }

    /**
     * Creates a {@link Level#SHOULD} rule.
     *
     * @param id the rule id
     * @param text one sentence
     * @param source the origin of the rule
     * @return the rule
     */
    public static Rule should(String id, String text, String source) {
        return new Rule(id, Level.SHOULD, text, source);
    }

    /**
     * The prefix an unconditional verification method for this rule starts with, e.g.
     * {@code required_HC_01_} for a MUST rule, {@code optional_EVT_08_} for a SHOULD rule (a MUST rule's
     * capability-gated checks use {@code optional_} too).
     *
     * @return the method-name prefix for this rule's level
     */
    public String testMethodPrefix() {
        return (level == Level.MUST ? "required_" : "optional_") + id.replace('-', '_') + "_";
    }

    /**
     * The Markdown anchor of this rule in {@code RULES.md}, e.g. {@code hc-01}.
     *
     * @return the anchor, without {@code '#'}
     */
    public String anchor() {
        return id.toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Maps a verification method name to the rule id it tests.
     *
     * @param methodName a method name such as {@code required_RING_01_backendStops}
     * @return the rule id ({@code RING-01}), or empty when the name follows no rule
     */
    public static Optional<String> idOfTestMethod(String methodName) {
        Matcher m = TEST_METHOD.matcher(methodName);
        return m.matches() ? Optional.of(m.group(2) + "-" + m.group(3)) : Optional.empty();
    }

    /**
     * Whether a verification method is a {@code required_} check (never skipped by behaviour).
     *
     * @param methodName a verification method name
     * @return true for {@code required_...} names
     */
    public static boolean isRequiredTestMethod(String methodName) {
        return methodName.startsWith("required_");
    }

    /**
     * The level a verification method's prefix declares ({@code required_} is MUST,
     * {@code optional_} is SHOULD).
     *
     * @param methodName a verification method name
     * @return the declared level, or empty for names without such a prefix
     */
    public static Optional<Level> levelOfTestMethod(String methodName) {
        if (methodName.startsWith("required_")) {
            return Optional.of(Level.MUST);
        }
        if (methodName.startsWith("optional_")) {
            return Optional.of(Level.SHOULD);
        }
        return Optional.empty();
    }
}
