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

    /** Every case of ../shared/reference/adversarial-catalogue.md (sections 7.1 to 7.5), by id. */
    private static final List<String> ADVERSARIAL_CATALOGUE = List.of(
            "RING-01", "RING-02", "RING-03", "RING-04", "RING-05", "RING-06", "RING-07", "RING-08", "RING-09",
            "RING-10", "RING-11",
            "FE-01", "FE-02", "FE-03", "FE-04", "FE-05", "FE-06", "FE-07", "FE-08", "FE-09", "FE-10",
            "GNT-01", "GNT-02", "GNT-03", "GNT-04", "GNT-05", "GNT-06", "GNT-07", "GNT-08", "GNT-09", "GNT-10",
            "GNT-11", "GNT-12", "GNT-13", "GNT-14",
            "EVT-01", "EVT-02", "EVT-03", "EVT-04", "EVT-05", "EVT-06", "EVT-07", "EVT-08", "EVT-09", "EVT-10",
            "EVT-11",
            "HC-01", "HC-02", "HC-03", "HC-04", "HC-05", "HC-06");

    /** Catalogue cases without a rule, each with the reason. */
    private static final java.util.Map<String, String> NOT_COVERED = java.util.Map.of(
            "GNT-12", "grant table v2 is not implemented; the catalogue asks for this case only with v2");

    /** The verification classes of the kit: every rule must have a test method in one of them. */
    private static final List<Class<?>> VERIFICATIONS = List.of(
            io.pvkit.conformance.hypercall.HypercallAbiVerification.class,
            io.pvkit.conformance.ring.FrontRingVerification.class,
            io.pvkit.conformance.ring.BackRingVerification.class,
            io.pvkit.conformance.bytestream.ByteStreamReaderVerification.class,
            io.pvkit.conformance.bytestream.ByteStreamWriterVerification.class,
            io.pvkit.conformance.evtchn.EventChannelVerification.class,
            io.pvkit.conformance.evtchn.GuestUpcallVerification.class,
            io.pvkit.conformance.grant.GrantTableVerification.class,
            io.pvkit.conformance.xenstore.XenstoreVerification.class,
            io.pvkit.conformance.blk.BlockBackendVerification.class,
            io.pvkit.conformance.domain.DomainDeathVerification.class,
            io.pvkit.conformance.domain.GuestProcessDeathVerification.class);

    @Test
    void shouldHaveARuleForEveryAdversarialCatalogueCase() {
        List<String> missing = ADVERSARIAL_CATALOGUE.stream()
                .filter(id -> !NOT_COVERED.containsKey(id) && RuleCatalogue.find(id).isEmpty()).toList();
        assertEquals(List.of(), missing, "adversarial catalogue cases without a rule");
    }

    @Test
    void shouldHaveATestMethodForEveryRuleAndARuleForEveryTestMethod() {
        Set<String> tested = new HashSet<>();
        for (Class<?> v : VERIFICATIONS) {
            for (java.lang.reflect.Method m : v.getMethods()) {
                java.util.regex.Matcher mm = java.util.regex.Pattern.compile("^(required|optional)_([A-Z]+)_(\\d+)_")
                        .matcher(m.getName());
                if (mm.find()) {
                    String id = mm.group(2) + "-" + mm.group(3);
                    assertTrue(RuleCatalogue.find(id).isPresent(), m.getName() + " names no rule");
                    if (mm.group(1).equals("required")) {
                        // optional_ may be a SHOULD rule or a capability-gated check of a MUST rule
                        assertEquals(Level.MUST, RuleCatalogue.find(id).orElseThrow().level(), m.getName());
                    }
                    tested.add(id);
                }
            }
        }
        List<String> untested = RuleCatalogue.all().stream().map(Rule::id).filter(id -> !tested.contains(id)).toList();
        assertEquals(List.of(), untested, "rules without a verification test method");
    }

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
