package io.pvkit.conformance.bytestream;

import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.conformance.selftest.SelfTest;
import io.pvkit.conformance.selftest.SelfTestReport;
import io.pvkit.rings.ByteStreamLayout;
import io.pvkit.rings.ByteStreamReader;
import io.pvkit.rings.ByteStreamWriter;

import java.util.EnumSet;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every byte-stream rule catches a deliberately broken reader or writer; the correct toys pass every rule. */
class ByteStreamVerificationSelfTest {

    abstract static class ToyReader extends ByteStreamReaderVerification {
        abstract Set<ToyByteStreamReader.Flaw> flaws();

        @Override
        protected ByteStreamReader createReader(MemoryAccess memory, ByteStreamLayout layout) {
            return new ToyByteStreamReader(memory, layout, flaws());
        }
    }

    abstract static class ToyWriter extends ByteStreamWriterVerification {
        abstract Set<ToyByteStreamWriter.Flaw> flaws();

        @Override
        protected ByteStreamWriter createWriter(MemoryAccess memory, ByteStreamLayout layout) {
            return new ToyByteStreamWriter(memory, layout, flaws());
        }
    }

    static final class CorrectReader extends ToyReader {
        @Override
        Set<ToyByteStreamReader.Flaw> flaws() {
            return EnumSet.noneOf(ToyByteStreamReader.Flaw.class);
        }
    }

    static final class CorrectWriter extends ToyWriter {
        @Override
        Set<ToyByteStreamWriter.Flaw> flaws() {
            return EnumSet.noneOf(ToyByteStreamWriter.Flaw.class);
        }
    }

    static final class ReaderUnsignedLongDifference extends ToyReader {
        @Override
        Set<ToyByteStreamReader.Flaw> flaws() {
            return EnumSet.of(ToyByteStreamReader.Flaw.UNSIGNED_LONG_DIFFERENCE);
        }
    }

    static final class ReaderMaskedIndex extends ToyReader {
        @Override
        Set<ToyByteStreamReader.Flaw> flaws() {
            return EnumSet.of(ToyByteStreamReader.Flaw.MASKED_INDEX);
        }
    }

    static final class ReaderFullIsEmpty extends ToyReader {
        @Override
        Set<ToyByteStreamReader.Flaw> flaws() {
            return EnumSet.of(ToyByteStreamReader.Flaw.FULL_IS_EMPTY);
        }
    }

    static final class ReaderNoOverflowCheck extends ToyReader {
        @Override
        Set<ToyByteStreamReader.Flaw> flaws() {
            return EnumSet.of(ToyByteStreamReader.Flaw.NO_OVERFLOW_CHECK);
        }
    }

    static final class ReaderBrokenNotSticky extends ToyReader {
        @Override
        Set<ToyByteStreamReader.Flaw> flaws() {
            return EnumSet.of(ToyByteStreamReader.Flaw.BROKEN_NOT_STICKY);
        }
    }

    static final class ReaderRereadProd extends ToyReader {
        @Override
        Set<ToyByteStreamReader.Flaw> flaws() {
            return EnumSet.of(ToyByteStreamReader.Flaw.REREAD_PROD);
        }
    }

    static final class ReaderPublishBeforeCopy extends ToyReader {
        @Override
        Set<ToyByteStreamReader.Flaw> flaws() {
            return EnumSet.of(ToyByteStreamReader.Flaw.PUBLISH_BEFORE_COPY);
        }
    }

    static final class ReaderNotifyBeforePublish extends ToyReader {
        @Override
        Set<ToyByteStreamReader.Flaw> flaws() {
            return EnumSet.of(ToyByteStreamReader.Flaw.NOTIFY_BEFORE_PUBLISH);
        }
    }

    static final class WriterUnsignedLongDifference extends ToyWriter {
        @Override
        Set<ToyByteStreamWriter.Flaw> flaws() {
            return EnumSet.of(ToyByteStreamWriter.Flaw.UNSIGNED_LONG_DIFFERENCE);
        }
    }

    static final class WriterMaskedIndex extends ToyWriter {
        @Override
        Set<ToyByteStreamWriter.Flaw> flaws() {
            return EnumSet.of(ToyByteStreamWriter.Flaw.MASKED_INDEX);
        }
    }

    static final class WriterFullIsEmpty extends ToyWriter {
        @Override
        Set<ToyByteStreamWriter.Flaw> flaws() {
            return EnumSet.of(ToyByteStreamWriter.Flaw.FULL_IS_EMPTY);
        }
    }

    static final class WriterNoOverflowCheck extends ToyWriter {
        @Override
        Set<ToyByteStreamWriter.Flaw> flaws() {
            return EnumSet.of(ToyByteStreamWriter.Flaw.NO_OVERFLOW_CHECK);
        }
    }

    static final class WriterBrokenNotSticky extends ToyWriter {
        @Override
        Set<ToyByteStreamWriter.Flaw> flaws() {
            return EnumSet.of(ToyByteStreamWriter.Flaw.BROKEN_NOT_STICKY);
        }
    }

    static final class WriterRereadCons extends ToyWriter {
        @Override
        Set<ToyByteStreamWriter.Flaw> flaws() {
            return EnumSet.of(ToyByteStreamWriter.Flaw.REREAD_CONS);
        }
    }

    static final class WriterPublishBeforeCopy extends ToyWriter {
        @Override
        Set<ToyByteStreamWriter.Flaw> flaws() {
            return EnumSet.of(ToyByteStreamWriter.Flaw.PUBLISH_BEFORE_COPY);
        }
    }

    static final class WriterNotifyBeforePublish extends ToyWriter {
        @Override
        Set<ToyByteStreamWriter.Flaw> flaws() {
            return EnumSet.of(ToyByteStreamWriter.Flaw.NOTIFY_BEFORE_PUBLISH);
        }
    }

    static final class ReaderFitsDataOnly extends ToyReader {
        @Override
        Set<ToyByteStreamReader.Flaw> flaws() {
            return EnumSet.of(ToyByteStreamReader.Flaw.FITS_DATA_ONLY);
        }
    }

    static final class WriterFitsDataOnly extends ToyWriter {
        @Override
        Set<ToyByteStreamWriter.Flaw> flaws() {
            return EnumSet.of(ToyByteStreamWriter.Flaw.FITS_DATA_ONLY);
        }
    }

    static final class ReaderFaultNotReported extends ToyReader {
        @Override
        Set<ToyByteStreamReader.Flaw> flaws() {
            return EnumSet.of(ToyByteStreamReader.Flaw.FAULT_NOT_REPORTED);
        }
    }

    static final class WriterFaultNotReported extends ToyWriter {
        @Override
        Set<ToyByteStreamWriter.Flaw> flaws() {
            return EnumSet.of(ToyByteStreamWriter.Flaw.FAULT_NOT_REPORTED);
        }
    }

    static final class WriterSpaceMasked extends ToyWriter {
        @Override
        Set<ToyByteStreamWriter.Flaw> flaws() {
            return EnumSet.of(ToyByteStreamWriter.Flaw.SPACE_MASKED);
        }
    }

    static final class WriterLayoutNotReported extends ToyWriter {
        @Override
        Set<ToyByteStreamWriter.Flaw> flaws() {
            return EnumSet.of(ToyByteStreamWriter.Flaw.LAYOUT_NOT_REPORTED);
        }
    }

    static final class ReaderLayoutNotReported extends ToyReader {
        @Override
        Set<ToyByteStreamReader.Flaw> flaws() {
            return EnumSet.of(ToyByteStreamReader.Flaw.LAYOUT_NOT_REPORTED);
        }
    }

    static final class ReaderPositionIn16Bits extends ToyReader {
        @Override
        Set<ToyByteStreamReader.Flaw> flaws() {
            return EnumSet.of(ToyByteStreamReader.Flaw.POSITION_IN_16_BITS);
        }
    }

    static final class WriterPositionIn16Bits extends ToyWriter {
        @Override
        Set<ToyByteStreamWriter.Flaw> flaws() {
            return EnumSet.of(ToyByteStreamWriter.Flaw.POSITION_IN_16_BITS);
        }
    }

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
    void shouldPassEveryRuleWithTheCorrectToys() {
        for (Class<?> correct : new Class<?>[] {CorrectReader.class, CorrectWriter.class}) {
            SelfTestReport report = SelfTest.run(correct);
            assertEquals(Set.of(), report.failedRules(), report::toString);
            assertTrue(report.unmappedProblems().isEmpty(), report::toString);
        }
    }

    @Test
    void shouldCatchEachReaderFlaw() {
        assertOnlyFails(ReaderUnsignedLongDifference.class, "BS-01", "BS-04");   // a prod behind cons also looks like 0 bytes, not a corrupt index
        assertOnlyFails(ReaderMaskedIndex.class, "BS-01");
        assertOnlyFails(ReaderFullIsEmpty.class, "BS-02");
        assertOnlyFails(ReaderNoOverflowCheck.class, "BS-04", "BS-05");   // it cannot even break for BS-05
        assertOnlyFails(ReaderBrokenNotSticky.class, "BS-05");
        assertOnlyFails(ReaderRereadProd.class, "BS-06");
        assertOnlyFails(ReaderPublishBeforeCopy.class, "BS-07");
        assertOnlyFails(ReaderNotifyBeforePublish.class, "BS-07");
        // PIT survivors of ByteStreamLayout.checkFits (docs/mutation/rings.md): attached over memory that ends
        // inside an index (its first access would fault instead)
        assertOnlyFails(ReaderFitsDataOnly.class, "BS-08");
        assertOnlyFails(ReaderFaultNotReported.class, "BS-05");   // PIT survivor: fault() never called by the kit
        assertOnlyFails(ReaderLayoutNotReported.class, "BS-01");   // PIT survivor: layout() never called by the kit
        // PIT survivor ByteStreamLayout.vchan 60 (order 20 refused): only a ring above 64 KiB shows it
        assertOnlyFails(ReaderPositionIn16Bits.class, "BS-01");
    }

    @Test
    void shouldCatchEachWriterFlaw() {
        assertOnlyFails(WriterUnsignedLongDifference.class, "BS-01", "BS-04", "BS-05");   // cons ahead of prod looks like an empty ring, so nothing breaks
        assertOnlyFails(WriterMaskedIndex.class, "BS-01", "BS-03");   // the kit, as reader, sees prod behind its cons
        assertOnlyFails(WriterFullIsEmpty.class, "BS-03", "BS-07");   // it also writes (and notifies) on a full ring
        assertOnlyFails(WriterNoOverflowCheck.class, "BS-04", "BS-05");
        assertOnlyFails(WriterBrokenNotSticky.class, "BS-05");
        assertOnlyFails(WriterRereadCons.class, "BS-06");
        assertOnlyFails(WriterPublishBeforeCopy.class, "BS-07");
        assertOnlyFails(WriterNotifyBeforePublish.class, "BS-07");
        assertOnlyFails(WriterFitsDataOnly.class, "BS-08");
        assertOnlyFails(WriterFaultNotReported.class, "BS-05");
        assertOnlyFails(WriterLayoutNotReported.class, "BS-01");
        assertOnlyFails(WriterPositionIn16Bits.class, "BS-01");   // as ReaderPositionIn16Bits
        assertOnlyFails(WriterSpaceMasked.class, "BS-03");   // PIT survivor: space() checked only on a broken writer
    }

    @Test
    void shouldCoverEveryByteStreamRuleWithTheCorrectToys() {
        Set<String> rules = new TreeSet<>();
        new ByteStreamRules().rules().forEach(r -> rules.add(r.id()));
        Set<String> passed = new TreeSet<>(SelfTest.run(CorrectReader.class).passedRules());
        passed.addAll(SelfTest.run(CorrectWriter.class).passedRules());
        assertEquals(rules, passed, "every byte-stream rule is exercised (and passed) by the correct toys");
    }
}
