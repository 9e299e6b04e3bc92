package io.pvkit.conformance.ring;

import io.pvkit.conformance.hostile.SharedMemoryView;
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
        protected BackRing createBackRing(SharedMemoryView memory, RingType type, int startIndex) {
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

    // ---------------------------------------------------------------- front rings: one flaw each

    abstract static class ToyFront extends FrontRingVerification {
        abstract Set<ToyFrontRing.Flaw> flaws();

        @Override
        protected FrontRing createFrontRing(SharedMemoryView memory, RingType type, int startIndex,
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

    // ---------------------------------------------------------------- self-tests

    private static void assertCatches(String rule, Class<?> verification) {
        SelfTestReport report = SelfTest.run(verification);
        assertTrue(report.failedRules().contains(rule), verification.getSimpleName() + " must fail " + rule + ": " + report);
        assertFalse(report.failuresOf(rule).isEmpty());
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
        assertCatches("RING-01", NoProdOverflowCheck.class);
        assertCatches("RING-02", RereadProdEachEntry.class);
        assertCatches("RING-03", UnsignedLongDifferenceBack.class);
        assertCatches("RING-04", DoubleFetch.class);
        assertCatches("RING-05", ReadProdTwice.class);
        assertCatches("RING-06", RedeliverAfterException.class);
        assertCatches("RING-07", NoTailZero.class);
        assertCatches("RING-08", IgnoreLimit.class);
        assertCatches("RING-09", TrustReqEvent.class);
        assertCatches("RING-10", BackEventPlusTwo.class);
        assertCatches("RING-11", SpeculativeCopy.class);
        assertCatches("RING-20", NoUnionRounding.class);
        assertCatches("RING-21", AttachInitialises.class);
        assertCatches("RING-22", BackNotifyInclusive.class);
        assertCatches("RING-23", BackEventPlusTwo.class);
    }

    @Test
    void shouldCatchEachFrontRingFlaw() {
        assertCatches("FE-01", NoRspOverflowCheck.class);
        assertCatches("FE-02", NoIdRangeCheck.class);
        assertCatches("FE-03", NoInFlightCheck.class);
        assertCatches("FE-04", NoValidator.class);
        assertCatches("FE-05", DoubleFetchResponse.class);
        assertCatches("FE-06", ReadBackRequest.class);
        assertCatches("FE-07", NoValidator.class);
        assertCatches("RING-03", UnsignedLongDifferenceFront.class);
        assertCatches("RING-20", Header128.class);
        assertCatches("RING-21", InitEventAtProd.class);
        assertCatches("RING-22", FrontNotifyInclusive.class);
        assertCatches("RING-23", FrontEventPlusTwo.class);
        assertCatches("RING-10", FrontEventPlusTwo.class);
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
