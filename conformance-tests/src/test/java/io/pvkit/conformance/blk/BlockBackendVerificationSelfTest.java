package io.pvkit.conformance.blk;

import io.pvkit.conformance.Rule;
import io.pvkit.conformance.RuleCatalogue;
import io.pvkit.conformance.selftest.Outcome;
import io.pvkit.conformance.selftest.SelfTest;
import io.pvkit.conformance.selftest.SelfTestReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each BLK rule catches a deliberately broken backend; the self-test's correct {@link MiniBlkback} passes every rule. */
class BlockBackendVerificationSelfTest {

    /** Base of the broken verifications: a {@link MiniBlkback} with one bug. */
    abstract static class Broken extends BlockBackendVerification {
        private final MiniBlkback.Bug bug;

        Broken(MiniBlkback.Bug bug) {
            this.bug = bug;
        }

        @Override
        protected BlockBackendUnderTest createBackend() {
            return new MiniBlkback(bug);
        }

        @Override
        protected Duration responseTimeout() {
            return Duration.ofSeconds(2);
        }
    }

    /** Broken for BLK-01: {@link MiniBlkback.Bug#INFO_IGNORES_READONLY}. */
    static final class InfoIgnoresReadonly extends Broken {
        InfoIgnoresReadonly() {
            super(MiniBlkback.Bug.INFO_IGNORES_READONLY);
        }
    }

    /** Broken for BLK-02: {@link MiniBlkback.Bug#ACCEPTS_ORDER_ABOVE_MAX}. */
    static final class AcceptsOrderAboveMax extends Broken {
        AcceptsOrderAboveMax() {
            super(MiniBlkback.Bug.ACCEPTS_ORDER_ABOVE_MAX);
        }
    }

    /** Broken for BLK-03: {@link MiniBlkback.Bug#FIRST_RING_PAGE_ONLY}. */
    static final class FirstRingPageOnly extends Broken {
        FirstRingPageOnly() {
            super(MiniBlkback.Bug.FIRST_RING_PAGE_ONLY);
        }
    }

    /** Broken for BLK-04: {@link MiniBlkback.Bug#QUEUE0_ONLY}. */
    static final class Queue0Only extends Broken {
        Queue0Only() {
            super(MiniBlkback.Bug.QUEUE0_ONLY);
        }
    }

    /** Broken for BLK-05: {@link MiniBlkback.Bug#UNKNOWN_OP_OKAY}. */
    static final class UnknownOpOkay extends Broken {
        UnknownOpOkay() {
            super(MiniBlkback.Bug.UNKNOWN_OP_OKAY);
        }
    }

    /** Broken for BLK-06: {@link MiniBlkback.Bug#NO_END_CHECK}. */
    static final class NoEndCheck extends Broken {
        NoEndCheck() {
            super(MiniBlkback.Bug.NO_END_CHECK);
        }
    }

    /** Broken for BLK-07: {@link MiniBlkback.Bug#NO_SEGMENT_RANGE_CHECK}. */
    static final class NoSegmentRangeCheck extends Broken {
        NoSegmentRangeCheck() {
            super(MiniBlkback.Bug.NO_SEGMENT_RANGE_CHECK);
        }
    }

    /** Broken for BLK-08: {@link MiniBlkback.Bug#NO_SEGMENT_COUNT_CHECK}. */
    static final class NoSegmentCountCheck extends Broken {
        NoSegmentCountCheck() {
            super(MiniBlkback.Bug.NO_SEGMENT_COUNT_CHECK);
        }
    }

    /** Broken for BLK-09: {@link MiniBlkback.Bug#WRITES_PER_SEGMENT}. */
    static final class WritesPerSegment extends Broken {
        WritesPerSegment() {
            super(MiniBlkback.Bug.WRITES_PER_SEGMENT);
        }
    }

    /** Broken for BLK-10: {@link MiniBlkback.Bug#READ_BYPASSES_READONLY}. */
    static final class ReadBypassesReadonly extends Broken {
        ReadBypassesReadonly() {
            super(MiniBlkback.Bug.READ_BYPASSES_READONLY);
        }
    }

    /** Broken for BLK-11: {@link MiniBlkback.Bug#READONLY_DEVICE_WRITABLE}. */
    static final class ReadonlyDeviceWritable extends Broken {
        ReadonlyDeviceWritable() {
            super(MiniBlkback.Bug.READONLY_DEVICE_WRITABLE);
        }
    }

    /** Broken for BLK-12: {@link MiniBlkback.Bug#WRITE_IGNORES_FIRST_SECT}. */
    static final class WriteIgnoresFirstSect extends Broken {
        WriteIgnoresFirstSect() {
            super(MiniBlkback.Bug.WRITE_IGNORES_FIRST_SECT);
        }
    }

    /** Broken for BLK-13: {@link MiniBlkback.Bug#PADDING_FROM_REQUEST}. */
    static final class PaddingFromRequest extends Broken {
        PaddingFromRequest() {
            super(MiniBlkback.Bug.PADDING_FROM_REQUEST);
        }
    }

    /** Broken for BLK-14: {@link MiniBlkback.Bug#FLUSH_UNSUPPORTED}. */
    static final class FlushUnsupported extends Broken {
        FlushUnsupported() {
            super(MiniBlkback.Bug.FLUSH_UNSUPPORTED);
        }
    }

    /** Broken for BLK-15: {@link MiniBlkback.Bug#WRITE_BACK_CACHE}. */
    static final class WriteBackCache extends Broken {
        WriteBackCache() {
            super(MiniBlkback.Bug.WRITE_BACK_CACHE);
        }
    }

    /** Broken for BLK-16: {@link MiniBlkback.Bug#INDIRECT_TRUNCATED}. */
    static final class IndirectTruncated extends Broken {
        IndirectTruncated() {
            super(MiniBlkback.Bug.INDIRECT_TRUNCATED);
        }
    }

    /** Broken for BLK-17: {@link MiniBlkback.Bug#INDIRECT_NO_MAX_CHECK}. */
    static final class IndirectNoMaxCheck extends Broken {
        IndirectNoMaxCheck() {
            super(MiniBlkback.Bug.INDIRECT_NO_MAX_CHECK);
        }
    }

    /** Broken for BLK-18: {@link MiniBlkback.Bug#OVERFLOW_STOPS_ALL}. */
    static final class OverflowStopsAll extends Broken {
        OverflowStopsAll() {
            super(MiniBlkback.Bug.OVERFLOW_STOPS_ALL);
        }
    }

    /** Broken for BLK-19: {@link MiniBlkback.Bug#CLOSE_KEEPS_RING_MAPPED}. */
    static final class CloseKeepsRingMapped extends Broken {
        CloseKeepsRingMapped() {
            super(MiniBlkback.Bug.CLOSE_KEEPS_RING_MAPPED);
        }
    }

    /** Broken for BLK-20: {@link MiniBlkback.Bug#DISCARD_WHOLE_PAGES}. */
    static final class DiscardWholePages extends Broken {
        DiscardWholePages() {
            super(MiniBlkback.Bug.DISCARD_WHOLE_PAGES);
        }
    }

    /** Broken for BLK-02: {@link MiniBlkback.Bug#MISSING_PORT_ACCEPTED}. */
    static final class MissingPortAccepted extends Broken {
        MissingPortAccepted() {
            super(MiniBlkback.Bug.MISSING_PORT_ACCEPTED);
        }
    }

    /** Broken for BLK-14: {@link MiniBlkback.Bug#FLUSH_BEFORE_WRITEBACK}. */
    static final class FlushBeforeWriteback extends Broken {
        FlushBeforeWriteback() {
            super(MiniBlkback.Bug.FLUSH_BEFORE_WRITEBACK);
        }
    }

    /** Broken for BLK-19: {@link MiniBlkback.Bug#ERROR_PATH_LEAKS_MAPPING}. */
    static final class ErrorPathLeaksMapping extends Broken {
        ErrorPathLeaksMapping() {
            super(MiniBlkback.Bug.ERROR_PATH_LEAKS_MAPPING);
        }
    }

    /** Broken for BLK-21: {@link MiniBlkback.Bug#DEAD_FRONTEND_NOT_UNMAPPED}. */
    static final class DeadFrontendNotUnmapped extends Broken {
        DeadFrontendNotUnmapped() {
            super(MiniBlkback.Bug.DEAD_FRONTEND_NOT_UNMAPPED);
        }
    }

    static Stream<Arguments> brokenBackends() {
        return Stream.of(
                Arguments.of("BLK-01", InfoIgnoresReadonly.class, Set.of()),
                Arguments.of("BLK-02", AcceptsOrderAboveMax.class, Set.of()),
                Arguments.of("BLK-03", FirstRingPageOnly.class, Set.of()),
                Arguments.of("BLK-04", Queue0Only.class, Set.of()),
                Arguments.of("BLK-05", UnknownOpOkay.class, Set.of()),
                Arguments.of("BLK-06", NoEndCheck.class, Set.of()),
                Arguments.of("BLK-07", NoSegmentRangeCheck.class, Set.of()),
                Arguments.of("BLK-08", NoSegmentCountCheck.class, Set.of()),
                Arguments.of("BLK-09", WritesPerSegment.class, Set.of()),
                Arguments.of("BLK-10", ReadBypassesReadonly.class, Set.of()),
                Arguments.of("BLK-11", ReadonlyDeviceWritable.class, Set.of()),
                Arguments.of("BLK-12", WriteIgnoresFirstSect.class, Set.of()),
                Arguments.of("BLK-13", PaddingFromRequest.class, Set.of()),
                Arguments.of("BLK-14", FlushUnsupported.class, Set.of()),
                Arguments.of("BLK-15", WriteBackCache.class, Set.of()),
                Arguments.of("BLK-16", IndirectTruncated.class, Set.of()),
                Arguments.of("BLK-17", IndirectNoMaxCheck.class, Set.of()),
                Arguments.of("BLK-18", OverflowStopsAll.class, Set.of()),
                // never unmapping the ring on close also leaks it when the frontend died first
                Arguments.of("BLK-19", CloseKeepsRingMapped.class, Set.of("BLK-21")),
                Arguments.of("BLK-20", DiscardWholePages.class, Set.of()),
                Arguments.of("BLK-02", MissingPortAccepted.class, Set.of()),
                // a write-back cache whose flush does not write it out: every check that flushes before it looks at the
                // image file fails with it (BLK-12, BLK-16, BLK-18), and so does the write-through SHOULD (BLK-15)
                Arguments.of("BLK-14", FlushBeforeWriteback.class, Set.of("BLK-12", "BLK-15", "BLK-16", "BLK-18")),
                Arguments.of("BLK-19", ErrorPathLeaksMapping.class, Set.of()),
                Arguments.of("BLK-21", DeadFrontendNotUnmapped.class, Set.of()));
    }

    @ParameterizedTest(name = "{0} catches {1} (also failing: {2})")
    @MethodSource("brokenBackends")
    void shouldFailTheRuleTheBugBreaks(String rule, Class<?> broken, Set<String> alsoFailing) {
        SelfTestReport report = SelfTest.run(broken);
        if (Boolean.getBoolean("pvkit.selftest.print")) {
            System.out.println("SELFTEST " + broken.getSimpleName() + " " + report.failedRules() + ": "
                    + report.failuresOf(rule).stream().map(Throwable::getMessage).toList());
        }
        assertEquals(Outcome.FAILURE, report.ruleOutcomes().get(rule),
                rule + " must FAIL (an assertion, not an error in setup) for " + broken.getSimpleName() + ": " + report);
        Set<String> expected = Stream.concat(Stream.of(rule), alsoFailing.stream()).collect(Collectors.toSet());
        assertEquals(expected, Set.copyOf(report.failedRules()), "exactly these rules fail for "
                + broken.getSimpleName() + ": " + report);
        assertTrue(report.unmappedProblems().isEmpty(), report::toString);
        assertFalse(report.failuresOf(rule).isEmpty(), report::toString);
    }

    @Test
    void shouldPassEveryRuleWithTheMiniBackend() {
        SelfTestReport report = SelfTest.run(MiniBlkbackConformanceTest.class);
        assertTrue(report.failedRules().isEmpty(), "the mini backend fails " + report.failedRules() + ": " + report);
        assertTrue(report.skippedRules().isEmpty(), "nothing skipped for the mini backend: " + report.skippedRules());
        assertTrue(report.notRunRules().isEmpty(), report::toString);
        assertTrue(report.unmappedProblems().isEmpty(), report::toString);
        for (Rule rule : new BlockRules().rules()) {
            assertTrue(report.passedRules().contains(rule.id()), rule.id() + " has a passing test");
        }
    }

    @Test
    void shouldRegisterEveryRuleInTheCatalogueWithABrokenBackend() {
        for (Rule rule : new BlockRules().rules()) {
            assertEquals(rule, RuleCatalogue.find(rule.id()).orElseThrow());
        }
        assertEquals(21, new BlockRules().rules().size());
        Set<String> caught = brokenBackends().map(a -> (String) a.get()[0]).collect(Collectors.toSet());
        Set<String> ids = new BlockRules().rules().stream().map(Rule::id).collect(Collectors.toSet());
        assertEquals(ids, caught, "a broken backend per rule");
    }
}
