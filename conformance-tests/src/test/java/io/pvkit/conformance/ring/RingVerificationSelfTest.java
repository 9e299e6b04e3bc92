package io.pvkit.conformance.ring;

import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.conformance.selftest.SelfTest;
import io.pvkit.conformance.selftest.SelfTestReport;
import io.pvkit.rings.BackRing;
import io.pvkit.rings.FrontRing;
import io.pvkit.rings.RingType;

import java.util.EnumSet;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every ring rule catches a deliberately broken ring; the correct toy rings pass every rule. */
class RingVerificationSelfTest {

    // ---------------------------------------------------------------- back rings: one flaw each

    abstract static class ToyBack extends BackRingVerification {
        abstract Set<ToyBackRing.Flaw> flaws();

        @Override
        protected BackRing createBackRing(MemoryAccess memory, RingType type, int startIndex) {
            return new ToyBackRing(memory, type, startIndex, flaws());
        }
    }

    static final class CorrectBack extends ToyBack {
        @Override
        Set<ToyBackRing.Flaw> flaws() {
            return EnumSet.noneOf(ToyBackRing.Flaw.class);
        }
    }

    static final class NoProdOverflowCheck extends ToyBack {
        @Override
        Set<ToyBackRing.Flaw> flaws() {
            return EnumSet.of(ToyBackRing.Flaw.NO_PROD_OVERFLOW_CHECK);
        }
    }

    static final class RereadProdEachEntry extends ToyBack {
        @Override
        Set<ToyBackRing.Flaw> flaws() {
            return EnumSet.of(ToyBackRing.Flaw.REREAD_PROD_EACH_ENTRY);
        }
    }

    static final class UnsignedLongDifferenceBack extends ToyBack {
        @Override
        Set<ToyBackRing.Flaw> flaws() {
            return EnumSet.of(ToyBackRing.Flaw.UNSIGNED_LONG_DIFFERENCE);
        }
    }

    static final class DoubleFetch extends ToyBack {
        @Override
        Set<ToyBackRing.Flaw> flaws() {
            return EnumSet.of(ToyBackRing.Flaw.DOUBLE_FETCH);
        }
    }

    static final class ReadProdTwice extends ToyBack {
        @Override
        Set<ToyBackRing.Flaw> flaws() {
            return EnumSet.of(ToyBackRing.Flaw.READ_PROD_TWICE);
        }
    }

    static final class RedeliverAfterException extends ToyBack {
        @Override
        Set<ToyBackRing.Flaw> flaws() {
            return EnumSet.of(ToyBackRing.Flaw.REDELIVER_AFTER_HANDLER_EXCEPTION);
        }
    }

    static final class NoTailZero extends ToyBack {
        @Override
        Set<ToyBackRing.Flaw> flaws() {
            return EnumSet.of(ToyBackRing.Flaw.NO_TAIL_ZERO);
        }
    }

    static final class IgnoreLimit extends ToyBack {
        @Override
        Set<ToyBackRing.Flaw> flaws() {
            return EnumSet.of(ToyBackRing.Flaw.IGNORE_LIMIT);
        }
    }

    static final class TrustReqEvent extends ToyBack {
        @Override
        Set<ToyBackRing.Flaw> flaws() {
            return EnumSet.of(ToyBackRing.Flaw.TRUST_REQ_EVENT);
        }
    }

    static final class BackEventPlusTwo extends ToyBack {
        @Override
        Set<ToyBackRing.Flaw> flaws() {
            return EnumSet.of(ToyBackRing.Flaw.EVENT_PLUS_TWO);
        }
    }

    static final class SpeculativeCopy extends ToyBack {
        @Override
        Set<ToyBackRing.Flaw> flaws() {
            return EnumSet.of(ToyBackRing.Flaw.SPECULATIVE_COPY);
        }
    }

    static final class NoUnionRounding extends ToyBack {
        @Override
        Set<ToyBackRing.Flaw> flaws() {
            return EnumSet.of(ToyBackRing.Flaw.NO_UNION_ROUNDING);
        }
    }

    static final class AttachInitialises extends ToyBack {
        @Override
        Set<ToyBackRing.Flaw> flaws() {
            return EnumSet.of(ToyBackRing.Flaw.ATTACH_INITIALISES);
        }
    }

    static final class BackNotifyInclusive extends ToyBack {
        @Override
        Set<ToyBackRing.Flaw> flaws() {
            return EnumSet.of(ToyBackRing.Flaw.NOTIFY_INCLUSIVE);
        }
    }

    static final class BackNoRecheck extends ToyBack {
        @Override
        Set<ToyBackRing.Flaw> flaws() {
            return EnumSet.of(ToyBackRing.Flaw.NO_RECHECK);
        }
    }

    // ---------------------------------------------------------------- front rings: one flaw each

    abstract static class ToyFront extends FrontRingVerification {
        abstract Set<ToyFrontRing.Flaw> flaws();

        @Override
        protected FrontRing createFrontRing(MemoryAccess memory, RingType type, int startIndex,
                                            FrontRing.ResponseValidator validator) {
            return new ToyFrontRing(memory, type, startIndex, validator, flaws());
        }
    }

    static final class CorrectFront extends ToyFront {
        @Override
        Set<ToyFrontRing.Flaw> flaws() {
            return EnumSet.noneOf(ToyFrontRing.Flaw.class);
        }
    }

    static final class NoRspOverflowCheck extends ToyFront {
        @Override
        Set<ToyFrontRing.Flaw> flaws() {
            return EnumSet.of(ToyFrontRing.Flaw.NO_RSP_OVERFLOW_CHECK);
        }
    }

    static final class NoIdRangeCheck extends ToyFront {
        @Override
        Set<ToyFrontRing.Flaw> flaws() {
            return EnumSet.of(ToyFrontRing.Flaw.NO_ID_RANGE_CHECK);
        }
    }

    static final class NoInFlightCheck extends ToyFront {
        @Override
        Set<ToyFrontRing.Flaw> flaws() {
            return EnumSet.of(ToyFrontRing.Flaw.NO_IN_FLIGHT_CHECK);
        }
    }

    static final class NoValidator extends ToyFront {
        @Override
        Set<ToyFrontRing.Flaw> flaws() {
            return EnumSet.of(ToyFrontRing.Flaw.NO_VALIDATOR);
        }
    }

    static final class DoubleFetchResponse extends ToyFront {
        @Override
        Set<ToyFrontRing.Flaw> flaws() {
            return EnumSet.of(ToyFrontRing.Flaw.DOUBLE_FETCH_RESPONSE);
        }
    }

    static final class ReadBackRequest extends ToyFront {
        @Override
        Set<ToyFrontRing.Flaw> flaws() {
            return EnumSet.of(ToyFrontRing.Flaw.READ_BACK_REQUEST);
        }
    }

    static final class UnsignedLongDifferenceFront extends ToyFront {
        @Override
        Set<ToyFrontRing.Flaw> flaws() {
            return EnumSet.of(ToyFrontRing.Flaw.UNSIGNED_LONG_DIFFERENCE);
        }
    }

    static final class Header128 extends ToyFront {
        @Override
        Set<ToyFrontRing.Flaw> flaws() {
            return EnumSet.of(ToyFrontRing.Flaw.HEADER_128);
        }
    }

    static final class InitEventAtProd extends ToyFront {
        @Override
        Set<ToyFrontRing.Flaw> flaws() {
            return EnumSet.of(ToyFrontRing.Flaw.INIT_EVENT_AT_PROD);
        }
    }

    static final class FrontNotifyInclusive extends ToyFront {
        @Override
        Set<ToyFrontRing.Flaw> flaws() {
            return EnumSet.of(ToyFrontRing.Flaw.NOTIFY_INCLUSIVE);
        }
    }

    static final class FrontEventPlusTwo extends ToyFront {
        @Override
        Set<ToyFrontRing.Flaw> flaws() {
            return EnumSet.of(ToyFrontRing.Flaw.EVENT_PLUS_TWO);
        }
    }

    static final class FrontNoRecheck extends ToyFront {
        @Override
        Set<ToyFrontRing.Flaw> flaws() {
            return EnumSet.of(ToyFrontRing.Flaw.NO_RECHECK);
        }
    }

    static final class RereadRspProd extends ToyFront {
        @Override
        Set<ToyFrontRing.Flaw> flaws() {
            return EnumSet.of(ToyFrontRing.Flaw.REREAD_RSP_PROD);
        }
    }

    static final class CheckOpOnly extends ToyFront {
        @Override
        Set<ToyFrontRing.Flaw> flaws() {
            return EnumSet.of(ToyFrontRing.Flaw.CHECK_OP_ONLY);
        }
    }

    // ---------------------------------------------------------------- self-tests

    /** The toy fails exactly these rules (so each rule is shown to catch a flaw of its own). */
    private static void assertOnlyFails(Class<?> verification, String... rules) {
        SelfTestReport report = SelfTest.run(verification);
        assertEquals(new TreeSet<>(Set.of(rules)), new TreeSet<>(report.failedRules()),
                verification.getSimpleName() + ": " + report);
        assertTrue(report.unmappedProblems().isEmpty(), report::toString);
        for (String rule : rules) {
            assertFalse(report.failuresOf(rule).isEmpty(), rule);
        }
    }

    @Test
    void shouldPassEveryBackRuleWithTheCorrectToyRing() {
        SelfTestReport report = SelfTest.run(CorrectBack.class);
        assertEquals(Set.of(), report.failedRules(), report::toString);
        assertTrue(report.unmappedProblems().isEmpty(), report::toString);
    }

    @Test
    void shouldPassEveryFrontRuleWithTheCorrectToyRing() {
        SelfTestReport report = SelfTest.run(CorrectFront.class);
        assertEquals(Set.of(), report.failedRules(), report::toString);
        assertTrue(report.unmappedProblems().isEmpty(), report::toString);
    }

    @Test
    void shouldCatchEachBackRingFlaw() {
        assertOnlyFails(NoProdOverflowCheck.class, "RING-01", "RING-02");   // unchecked, it also hands out > RING_SIZE
        assertOnlyFails(RereadProdEachEntry.class, "RING-02", "RING-05");   // re-reading is also reading more than once
        // broken wrap arithmetic breaks everything that starts near 2^32
        assertOnlyFails(UnsignedLongDifferenceBack.class, "RING-03", "RING-09", "RING-10", "RING-11", "RING-22", "RING-23");
        assertOnlyFails(DoubleFetch.class, "RING-04");
        assertOnlyFails(ReadProdTwice.class, "RING-02", "RING-05");   // the second read may see a jumped index
        assertOnlyFails(RedeliverAfterException.class, "RING-06");
        assertOnlyFails(NoTailZero.class, "RING-07");
        assertOnlyFails(IgnoreLimit.class, "RING-08");
        assertOnlyFails(TrustReqEvent.class, "RING-09", "RING-10", "RING-23");   // its final check trusts req_event too
        assertOnlyFails(BackEventPlusTwo.class, "RING-10", "RING-23");
        assertOnlyFails(SpeculativeCopy.class, "RING-03", "RING-11");   // a stale prefetched slot also breaks the wrap test
        assertOnlyFails(NoUnionRounding.class, "RING-20");
        assertOnlyFails(AttachInitialises.class, "RING-10", "RING-11", "RING-21", "RING-23");   // it resets a live ring
        assertOnlyFails(BackNotifyInclusive.class, "RING-22");
        assertOnlyFails(BackNoRecheck.class, "RING-23");
    }

    @Test
    void shouldCatchEachFrontRingFlaw() {
        assertOnlyFails(NoRspOverflowCheck.class, "FE-01");
        assertOnlyFails(NoIdRangeCheck.class, "FE-02");
        assertOnlyFails(NoInFlightCheck.class, "FE-03");
        assertOnlyFails(NoValidator.class, "FE-04", "FE-07");
        assertOnlyFails(CheckOpOnly.class, "FE-07");
        assertOnlyFails(DoubleFetchResponse.class, "FE-05", "FE-06");   // the re-copy also re-reads op
        assertOnlyFails(ReadBackRequest.class, "FE-04", "FE-05", "FE-06", "FE-07");   // validates against what it read back
        assertOnlyFails(RereadRspProd.class, "RING-05");
        assertOnlyFails(UnsignedLongDifferenceFront.class, "RING-03");
        // misplaced slots: every rule that writes responses where io/ring.h puts them
        assertOnlyFails(Header128.class, "FE-02", "FE-03", "FE-04", "FE-05", "FE-06", "FE-07", "RING-20");
        assertOnlyFails(InitEventAtProd.class, "RING-21");
        assertOnlyFails(FrontNotifyInclusive.class, "RING-22");
        assertOnlyFails(FrontEventPlusTwo.class, "RING-10", "RING-23");
        assertOnlyFails(FrontNoRecheck.class, "RING-23");
    }

    @Test
    void shouldCoverEveryRingRuleWithABrokenImplementation() {
        Set<String> ringRules = new TreeSet<>();
        // the ring area's own rules (FE-09/FE-10 are frontend rules of the grant area)
        new RingRules().rules().forEach(r -> ringRules.add(r.id()));
        Set<String> passedByCorrect = new TreeSet<>(SelfTest.run(CorrectBack.class).passedRules());
        passedByCorrect.addAll(SelfTest.run(CorrectFront.class).passedRules());
        assertEquals(ringRules, passedByCorrect, "every ring rule is exercised (and passed) by the correct toy rings");
    }
}
