package io.pvkit.conformance.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pvkit.conformance.selftest.SelfTest;
import io.pvkit.conformance.selftest.SelfTestReport;
import io.pvkit.conformance.spi.HypervisorUnderTest;
import java.util.EnumSet;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** DOM-01 and DOM-02 against a correct destruction (pv-events + pv-grant) and against planted mistakes. */
class DomainDeathVerificationSelfTest {

    abstract static class Planted extends DomainDeathVerification {
        abstract Set<DeathTestHypervisor.Flaw> flaws();

        @Override
        protected HypervisorUnderTest createHypervisor() {
            return new DeathTestHypervisor(flaws());
        }
    }

    static final class Correct extends Planted {
        @Override
        Set<DeathTestHypervisor.Flaw> flaws() {
            return EnumSet.noneOf(DeathTestHypervisor.Flaw.class);
        }
    }

    static final class PortsStayBound extends Planted {
        @Override
        Set<DeathTestHypervisor.Flaw> flaws() {
            return EnumSet.of(DeathTestHypervisor.Flaw.PORTS_STAY_BOUND);
        }
    }

    static final class MappingsKept extends Planted {
        @Override
        Set<DeathTestHypervisor.Flaw> flaws() {
            return EnumSet.of(DeathTestHypervisor.Flaw.MAPPINGS_KEPT);
        }
    }

    static final class DomainRecordLeaks extends Planted {
        @Override
        Set<DeathTestHypervisor.Flaw> flaws() {
            return EnumSet.of(DeathTestHypervisor.Flaw.DOMAIN_RECORD_LEAKS);
        }
    }

    private static void assertOnlyFails(Class<?> verification, String... rules) {
        SelfTestReport report = SelfTest.run(verification);
        assertEquals(new TreeSet<>(Set.of(rules)), new TreeSet<>(report.failedRules()),
                verification.getSimpleName() + ": " + report);
        assertTrue(report.unmappedProblems().isEmpty(), report::toString);
    }

    @Test
    void shouldPassACorrectDestruction() {
        SelfTestReport report = SelfTest.run(Correct.class);
        assertOnlyFails(Correct.class);
        assertEquals(Set.of("DOM-01", "DOM-02"), new TreeSet<>(report.passedRules()), report::toString);
    }

    @Test
    void shouldCatchEachPlantedMistake() {
        // the peers' ports stay interdomain, and the dead domain's ports stay allocated
        assertOnlyFails(PortsStayBound.class, "DOM-01", "DOM-02");
        // the dead domain's mapping of a's grant stays: a cannot revoke, and the mapping is counted
        assertOnlyFails(MappingsKept.class, "DOM-01", "DOM-02");
        // everything released but the domain itself: only the counts show it
        assertOnlyFails(DomainRecordLeaks.class, "DOM-02");
    }
}
