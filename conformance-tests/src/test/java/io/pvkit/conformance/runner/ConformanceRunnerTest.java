package io.pvkit.conformance.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the command-line runner in-process against the kit's own correct and broken hypercall handlers. */
class ConformanceRunnerTest {

    private static final String SELF_TEST = "io.pvkit.conformance.hypercall.HypercallAbiVerificationSelfTest$";

    /**
     * An implementation whose verification skips a MUST rule by behaviour: HC-05's required check
     * aborts (the implementation answered -ENOSYS), HC-01 passes, HC-04's capability-gated
     * {@code optional_} check is skipped (a legitimate SKIP).
     */
    public static final class SkipsAMustRule {
        /** Passes. */
        @Test
        public void required_HC_01_passes() {
            assertEquals(2, 1 + 1);
        }

        /** Aborted by behaviour: the implementation did not take part. */
        @Test
        public void required_HC_05_statusOps() {
            Assumptions.abort("the implementation answered -ENOSYS(-38)");
        }

        /** Gated by a capability the implementation does not declare. */
        @Test
        public void optional_HC_04_multicall() {
            Assumptions.abort("capability MULTICALL not declared");
        }
    }

    /** Like {@link SkipsAMustRule}, and HC-06 fails: a failure outranks a rule not run. */
    public static final class SkipsOneMustRuleAndFailsAnother {
        /** Aborted by behaviour. */
        @Test
        public void required_HC_05_statusOps() {
            Assumptions.abort("the implementation answered -ENOSYS(-38)");
        }

        /** Fails. */
        @Test
        public void required_HC_06_overflow() {
            assertEquals(-22, 0, "overflowing console write");
        }
    }

    private record Run(int status, String console) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = ConformanceRunner.run(args, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return new Run(status, bytes.toString(StandardCharsets.UTF_8));
    }

    private static String xml(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            Path xml = files.filter(p -> p.getFileName().toString().startsWith("TEST-") && p.toString().endsWith(".xml"))
                    .findFirst().orElseThrow(() -> new AssertionError("no JUnit XML in " + dir));
            return Files.readString(xml);
        }
    }

    @Test
    void shouldExitZeroAndReportEveryRuleForTheCorrectHandler(@TempDir Path out) throws IOException {
        Run run = run("--out", out.toString(), SELF_TEST + "Correct");
        assertEquals(0, run.status(), run.console());
        for (String id : new String[] {"HC-01", "HC-02", "HC-03", "HC-04", "HC-05", "HC-06"}) {
            assertTrue(run.console().lines().anyMatch(l -> l.startsWith(id) && l.contains("MUST") && l.contains("SUCCESS")),
                    id + " row in\n" + run.console());
        }
        String md = Files.readString(out.resolve("conformance-report.md"));
        assertTrue(md.contains("| HC-03 | MUST | SUCCESS | 2/2 |"), md);
        assertTrue(md.contains("CONFORMANT (exit 0)"), md);
        String xml = xml(out);
        assertTrue(xml.contains("required_HC_05_statusOpsReturnOnlyZeroOrNegatedErrno"), xml);
        assertTrue(xml.contains("failures=\"0\""), xml);
    }

    @Test
    void shouldExitNonZeroAndNameTheFailedRuleForABrokenHandler(@TempDir Path out) throws IOException {
        Run run = run("--out", out.toString(), SELF_TEST + "BrokenStatusSign");
        assertEquals(1, run.status(), run.console());
        assertTrue(run.console().lines().anyMatch(l -> l.startsWith("HC-05") && l.contains("FAILURE")), run.console());
        assertTrue(run.console().lines().anyMatch(l -> l.startsWith("HC-01") && l.contains("SUCCESS")), run.console());
        String md = Files.readString(out.resolve("conformance-report.md"));
        assertTrue(md.contains("| HC-05 | MUST | FAILURE |"), md);
        assertTrue(md.contains("NOT CONFORMANT (exit 1)"), md);
        assertTrue(xml(out).contains("<failure"), "JUnit XML records the failure");
    }

    @Test
    void shouldTreatSkipsAsPassing(@TempDir Path out) {
        Run run = run("--out", out.toString(), SELF_TEST + "CorrectWithoutOptionalCapabilities");
        assertEquals(0, run.status(), run.console());
        assertTrue(run.console().lines().anyMatch(l -> l.startsWith("HC-04") && l.contains("SKIP")
                && l.contains("capability MULTICALL not declared")), run.console());
    }

    @Test
    void shouldRunSeveralClassesAndTakeTheWorstResultPerRule(@TempDir Path out) {
        Run run = run("--out", out.toString(), SELF_TEST + "Correct", SELF_TEST + "BrokenLengthCheck");
        assertEquals(1, run.status(), run.console());
        assertTrue(run.console().lines().anyMatch(l -> l.startsWith("HC-06") && l.contains("FAILURE")), run.console());
    }

    @Test
    void shouldGiveAMustRuleThatDidNotRunItsOwnVerdictAndExitStatus(@TempDir Path out) throws IOException {
        Run run = run("--out", out.toString(), ConformanceRunnerTest.class.getName() + "$SkipsAMustRule");
        assertEquals(ConformanceReport.MUST_NOT_RUN, run.status(), run.console());
        assertEquals(3, run.status(), run.console());
        assertTrue(run.console().lines().anyMatch(l -> l.startsWith("HC-05") && l.contains("MUST") && l.contains("NOT_RUN")
                && l.contains("-ENOSYS")), run.console());
        assertTrue(run.console().lines().anyMatch(l -> l.startsWith("HC-04") && l.contains("SKIP")), run.console());
        assertTrue(run.console().lines().anyMatch(l -> l.startsWith("HC-01") && l.contains("SUCCESS")), run.console());
        assertTrue(run.console().contains("1 MUST not run"), run.console());
        assertTrue(run.console().contains("INCOMPLETE"), run.console());
        assertTrue(!run.console().contains(" CONFORMANT"), "never CONFORMANT with a MUST rule not run:\n" + run.console());
        String md = Files.readString(out.resolve("conformance-report.md"));
        assertTrue(md.contains("| HC-05 | MUST | NOT_RUN | 0/1 |"), md);
        assertTrue(md.contains("INCOMPLETE"), md);
    }

    @Test
    void shouldLetAFailureOutrankAMustRuleNotRun(@TempDir Path out) {
        Run run = run("--out", out.toString(), ConformanceRunnerTest.class.getName() + "$SkipsOneMustRuleAndFailsAnother");
        assertEquals(ConformanceReport.FAILED, run.status(), run.console());
        assertTrue(run.console().lines().anyMatch(l -> l.startsWith("HC-05") && l.contains("NOT_RUN")), run.console());
        assertTrue(run.console().contains("NOT CONFORMANT (exit 1)"), run.console());
    }

    @Test
    void shouldExitTwoWithUsageWhenNothingIsNamed() {
        Run run = run();
        assertEquals(2, run.status());
        assertTrue(run.console().contains("usage:"), run.console());
        assertEquals(2, run("--bogus").status());
        assertEquals(2, run("--out").status());
    }
}
