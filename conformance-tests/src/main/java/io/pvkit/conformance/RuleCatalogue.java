package io.pvkit.conformance;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The single source of truth for every conformance rule: all registered {@link RuleSet}s.
 *
 * <p>{@code RULES.md} is rendered from this catalogue ({@link RulesDocument}); the runner looks up
 * a rule's level here. Construction validates the catalogue: ids are unique, and each rule's text is
 * one sentence ending in a full stop.
 */
public final class RuleCatalogue {

    private static final List<RuleSet> SETS;
    private static final Map<String, Rule> BY_ID;

    static {
        List<RuleSet> sets = new ArrayList<>();
        // Registration list: one line per area; area helpers add their line here.
        sets.add(new io.pvkit.conformance.hypercall.HypercallRules());
        sets.add(new io.pvkit.conformance.ring.RingRules());
        sets.add(new io.pvkit.conformance.bytestream.ByteStreamRules());
        sets.add(new io.pvkit.conformance.evtchn.EventChannelRules());
        sets.add(new io.pvkit.conformance.grant.GrantRules());
        sets.add(new io.pvkit.conformance.xenstore.XenstoreRules());
        sets.add(new io.pvkit.conformance.blk.BlockRules());
        sets.add(new io.pvkit.conformance.domain.DomainRules());
        SETS = List.copyOf(sets);
        Map<String, Rule> byId = new HashMap<>();
        for (RuleSet set : SETS) {
            for (Rule rule : set.rules()) {
                if (byId.putIfAbsent(rule.id(), rule) != null) {
                    throw new IllegalStateException("duplicate rule id " + rule.id() + " in " + set.area());
                }
                if (!rule.text().endsWith(".")) {
                    throw new IllegalStateException("rule " + rule.id() + " text must be one sentence ending in '.'");
                }
            }
        }
        BY_ID = Collections.unmodifiableMap(byId);
    }

    private RuleCatalogue() {
    }

    /**
     * Every registered rule set, in registration order.
     *
     * @return the rule sets
     */
    public static List<RuleSet> sets() {
        return SETS;
    }

    /**
     * Every rule of every registered set, in registration order.
     *
     * @return all rules
     */
    public static List<Rule> all() {
        List<Rule> all = new ArrayList<>();
        for (RuleSet set : SETS) {
            all.addAll(set.rules());
        }
        return List.copyOf(all);
    }

    /**
     * Looks up a rule by id.
     *
     * @param id a rule id such as {@code HC-01}
     * @return the rule, or empty when no registered set defines it
     */
    public static Optional<Rule> find(String id) {
        return Optional.ofNullable(BY_ID.get(id));
    }
}
