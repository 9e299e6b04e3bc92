package io.pvkit.conformance.selftest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class SelfTestTest {

    /** A fixture verification: one rule passes, one fails, one errors, one is skipped, one has two methods. */
    public abstract static class FixtureVerification {
        /** Passes. */
        @Test
        public void required_HC_01_passes() {
            assertEquals(2, 1 + 1);
        }

        /** Fails an assertion. */
        @Test
        public void required_HC_02_fails() {
            assertEquals(3, 1 + 1, "planted failure");
        }

        /** Throws. */
        @Test
        public void required_HC_03_errors() {
            throw new IllegalStateException("planted error");
        }

        /** Skipped by a capability hook: a legitimate SKIP of an optional_ check. */
        @Test
        public void optional_HC_04_skipped() {
            Assumptions.abort("capability MULTICALL not supported");
        }

        /** A required_ check aborted by behaviour: the MUST rule did not run. */
        @Test
        public void required_HC_06_aborted() {
            Assumptions.abort("the implementation answered -ENOSYS");
        }

        /** Passes; HC-05 has a second, failing method: worst wins. */
        @Test
        public void required_HC_05_first() {
            Assertions.assertTrue(true);
        }

        /** Fails. */
        @Test
        public void optional_HC_05_second() {
            Assertions.fail("planted");
        }

        /** A helper test that names no rule. */
        @Test
        public void unrelated() {
            Assertions.fail("unmapped");
        }
    }

    /** The concrete fixture. */
    public static final class Fixture extends FixtureVerification {
    }

    @Test
    void shouldMapEachMethodToItsRuleWithWorstWins() {
        SelfTestReport report = SelfTest.run(Fixture.class);
        assertEquals(Set.of("HC-01"), report.passedRules());
        assertEquals(Set.of("HC-02", "HC-03", "HC-05"), report.failedRules());
        assertEquals(Set.of("HC-04"), report.skippedRules());
        assertEquals(Set.of("HC-06"), report.notRunRules());
        assertEquals(Map.of("HC-01", Outcome.SUCCESS, "HC-02", Outcome.FAILURE, "HC-03", Outcome.ERROR,
                "HC-04", Outcome.SKIP, "HC-05", Outcome.FAILURE, "HC-06", Outcome.NOT_RUN), report.ruleOutcomes());
        assertTrue(report.failuresOf("HC-02").getFirst().getMessage().contains("planted failure"));
        assertTrue(report.failuresOf("HC-01").isEmpty());
        List<TestResult> unmapped = report.unmappedProblems();
        assertEquals(1, unmapped.size());
        assertEquals("unrelated", unmapped.getFirst().methodName());
        TestResult skipped = report.results().stream().filter(r -> "HC-04".equals(r.ruleId())).findFirst().orElseThrow();
        assertEquals("capability MULTICALL not supported", skipped.reason());
        assertEquals(Fixture.class.getName(), skipped.className());
    }

    @Test
    void shouldRankOutcomesAsXtfDoes() {
        assertEquals(Outcome.FAILURE, Outcome.SUCCESS.worst(Outcome.FAILURE));
        assertEquals(Outcome.ERROR, Outcome.ERROR.worst(Outcome.SKIP));
        assertEquals(Outcome.SKIP, Outcome.SKIP.worst(Outcome.SUCCESS));
        assertEquals(Outcome.NOT_RUN, Outcome.SKIP.worst(Outcome.NOT_RUN));
        assertEquals(Outcome.ERROR, Outcome.NOT_RUN.worst(Outcome.ERROR));
    }
}
