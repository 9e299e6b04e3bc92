package io.pvkit.conformance;

import java.util.List;

/**
 * The rules of one area (hypercall ABI, rings, event channels, grant tables ...).
 *
 * <p>Each area has exactly one final class implementing this interface, registered with one line
 * in {@link RuleCatalogue}.
 */
public interface RuleSet {

    /**
     * The area's human-readable name, used as a heading in {@code RULES.md}.
     *
     * @return the area name, e.g. {@code "Hypercall ABI"}
     */
    String area();

    /**
     * The area's rules in id order.
     *
     * @return an unmodifiable list of rules
     */
    List<Rule> rules();

    /**
     * Markdown rendered in {@code RULES.md} after the area's table: calibration results, known differences with a
     * reference implementation and their reasons (empty by default).
     *
     * @return the notes, or an empty string
     */
    default String notes() {
        return "";
    }
}
