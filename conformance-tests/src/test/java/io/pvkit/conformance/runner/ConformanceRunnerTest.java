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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the command-line runner in-process against the kit's own correct and broken hypercall handlers. */
class ConformanceRunnerTest {

    private static final String SELF_TEST = "io.pvkit.conformance.hypercall.HypercallAbiVerificationSelfTest$";

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
    void shouldExitTwoWithUsageWhenNothingIsNamed() {
        Run run = run();
        assertEquals(2, run.status());
        assertTrue(run.console().contains("usage:"), run.console());
        assertEquals(2, run("--bogus").status());
        assertEquals(2, run("--out").status());
    }
}
