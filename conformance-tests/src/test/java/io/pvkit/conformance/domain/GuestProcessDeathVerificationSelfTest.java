package io.pvkit.conformance.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pvkit.conformance.selftest.SelfTest;
import io.pvkit.conformance.selftest.SelfTestReport;
import java.util.EnumSet;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** DOM-03 and DOM-04 against pv-process's listener with a correct host and with planted mistakes. */
class GuestProcessDeathVerificationSelfTest {

    abstract static class Planted extends GuestProcessDeathVerification {
        abstract Set<ProcessTestHost.Flaw> flaws();

        @Override
        protected GuestProcessHostUnderTest createHost() throws Exception {
            return new ProcessTestHost(flaws());
        }
    }

    static final class Correct extends Planted {
        @Override
        Set<ProcessTestHost.Flaw> flaws() {
            return EnumSet.noneOf(ProcessTestHost.Flaw.class);
        }
    }

    static final class IgnoresDeath extends Planted {
        @Override
        Set<ProcessTestHost.Flaw> flaws() {
            return EnumSet.of(ProcessTestHost.Flaw.IGNORES_DEATH);
        }
    }

    static final class BlockNeverWakes extends Planted {
        @Override
        Set<ProcessTestHost.Flaw> flaws() {
            return EnumSet.of(ProcessTestHost.Flaw.BLOCK_NEVER_WAKES);
        }
    }

    private static SelfTestReport assertOnlyFails(Class<?> verification, String... rules) {
        SelfTestReport report = SelfTest.run(verification);
        assertEquals(new TreeSet<>(Set.of(rules)), new TreeSet<>(report.failedRules()),
                verification.getSimpleName() + ": " + report);
        assertTrue(report.unmappedProblems().isEmpty(), report::toString);
        return report;
    }

    @Test
    void shouldPassACorrectHost() {
        SelfTestReport report = assertOnlyFails(Correct.class);
        assertEquals(Set.of("DOM-03", "DOM-04"), new TreeSet<>(report.passedRules()), report::toString);
    }

    @Test
    void shouldCatchAHostThatIgnoresTheDeath() {
        assertOnlyFails(IgnoresDeath.class, "DOM-03", "DOM-04");
    }

    @Test
    void shouldCatchAHandlerLeftBlockedForADeadGuest() {
        assertOnlyFails(BlockNeverWakes.class, "DOM-03", "DOM-04");
    }
}
