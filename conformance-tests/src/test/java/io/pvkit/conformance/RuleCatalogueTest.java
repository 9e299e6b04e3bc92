package io.pvkit.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RuleCatalogueTest {

    @Test
    void shouldListTheHypercallRulesInOrder() {
        List<String> hc = RuleCatalogue.all().stream().map(Rule::id).filter(id -> id.startsWith("HC-")).toList();
        assertEquals(List.of("HC-01", "HC-02", "HC-03", "HC-04", "HC-05", "HC-06"), hc);
        for (String id : hc) {
            assertEquals(Level.MUST, RuleCatalogue.find(id).orElseThrow().level(), id);
        }
    }

    @Test
    void shouldHaveUniqueIdsAndOneSentencePerRule() {
        Set<String> seen = new HashSet<>();
        for (Rule rule : RuleCatalogue.all()) {
            assertTrue(seen.add(rule.id()), "duplicate " + rule.id());
            assertTrue(rule.text().endsWith("."), rule.id());
            assertEquals(1, rule.text().split("\\. ").length, "one sentence: " + rule.id());
            assertFalse(rule.source().isBlank(), rule.id());
        }
    }

    @Test
    void shouldFindRulesById() {
        assertEquals("HC-05", RuleCatalogue.find("HC-05").orElseThrow().id());
        assertEquals(Optional.empty(), RuleCatalogue.find("HC-99"));
    }

    @Test
    void shouldMapTestMethodNamesToRuleIds() {
        assertEquals(Optional.of("RING-01"), Rule.idOfTestMethod("required_RING_01_backendStopsOnRequestProducerOverflow"));
        assertEquals(Optional.of("HC-05"), Rule.idOfTestMethod("optional_HC_05"));
        assertEquals(Optional.of("RINGP-101"), Rule.idOfTestMethod("untested_RINGP_101_x"));
        assertEquals(Optional.empty(), Rule.idOfTestMethod("shouldDoSomething"));
        assertEquals(Optional.empty(), Rule.idOfTestMethod("required_ring_01_lowercase"));
        assertEquals(Optional.of(Level.MUST), Rule.levelOfTestMethod("required_HC_01_x"));
        assertEquals(Optional.of(Level.SHOULD), Rule.levelOfTestMethod("optional_HC_01_x"));
        assertEquals("required_HC_01_", RuleCatalogue.find("HC-01").orElseThrow().testMethodPrefix());
    }

    @Test
    void shouldRejectMalformedRules() {
        assertThrows(IllegalArgumentException.class, () -> Rule.must("hc-1", "Text.", "src"));
        assertThrows(IllegalArgumentException.class, () -> Rule.must("HC-07", " ", "src"));
    }
}
