package io.pvkit.conformance.runner;

import io.pvkit.conformance.Level;
import io.pvkit.conformance.Rule;
import io.pvkit.conformance.RuleCatalogue;
import io.pvkit.conformance.selftest.Outcome;
import io.pvkit.conformance.selftest.SelfTestReport;
import io.pvkit.conformance.selftest.TestResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A rule-by-rule verdict over a run of verification classes: one row per rule that ran (worst
 * outcome wins, as in XTF), the text table the runner prints, the Markdown report it writes, and
 * the exit status.
 *
 * <p>Verdicts and exit statuses, worst first:
 * <ul>
 *   <li>{@link #FAILED} (1, NOT CONFORMANT): a MUST rule has a FAILURE or ERROR, or a class-level
 *       problem occurred;</li>
 *   <li>{@link #MUST_NOT_RUN} (3, INCOMPLETE): no MUST rule failed, but a MUST rule did not run: one of
 *       its {@code required_} checks was aborted ({@link Outcome#NOT_RUN}; a required check is never
 *       skipped by behaviour, so the implementation has not shown that it conforms);</li>
 *   <li>{@link #NOTHING_RAN} (2): no test ran at all;</li>
 *   <li>{@link #PASSED} (0, CONFORMANT): every {@code required_} check of every MUST rule ran and
 *       passed. SKIP (an {@code optional_} check whose capability the implementation does not
 *       declare) never fails the run; SHOULD rules are reported but never fail it.</li>
 * </ul>
 */
public final class ConformanceReport {

    /** Exit status when every MUST rule ran and passed (capability-gated optional checks may be skipped). */
    public static final int PASSED = 0;
    /** Exit status when a MUST rule failed or a verification class could not run. */
    public static final int FAILED = 1;
    /** Exit status when nothing ran (or the command line was wrong). */
    public static final int NOTHING_RAN = 2;
    /** Exit status when no MUST rule failed but at least one MUST rule did not run. */
    public static final int MUST_NOT_RUN = 3;

    /**
     * One rule's verdict.
     *
     * @param ruleId the rule id
     * @param level the rule's level (from the catalogue, else from the method prefix)
     * @param outcome the worst outcome of the rule's methods
     * @param tests how many test results belong to the rule
     * @param succeeded how many of them succeeded
     * @param detail the first failure, error or skip reason, one line; {@code ""} on success
     * @param text the rule's sentence from the catalogue
     */
    public record Row(String ruleId, Level level, Outcome outcome, int tests, int succeeded, String detail, String text) {
    }

    private final SelfTestReport report;
    private final List<Row> rows;

    /**
     * Builds the verdict.
     *
     * @param report the per-method results of the run
     */
    public ConformanceReport(SelfTestReport report) {
        this.report = report;
        Map<String, List<TestResult>> byRule = new TreeMap<>();
        for (TestResult r : report.results()) {
            if (r.ruleId() != null) {
                byRule.computeIfAbsent(r.ruleId(), k -> new ArrayList<>()).add(r);
            }
        }
        List<Row> out = new ArrayList<>();
        for (Map.Entry<String, List<TestResult>> e : byRule.entrySet()) {
            Optional<Rule> rule = RuleCatalogue.find(e.getKey());
            List<TestResult> results = e.getValue();
            Outcome worst = Outcome.SUCCESS;
            int ok = 0;
            for (TestResult r : results) {
                worst = worst.worst(r.outcome());
                ok += r.outcome() == Outcome.SUCCESS ? 1 : 0;
            }
            String detail = "";
            for (TestResult r : results) {
                if (r.outcome() == worst && worst != Outcome.SUCCESS) {
                    detail = (worst == Outcome.NOT_RUN ? "MUST rule not run: " : "") + r.shortName() + ": "
                            + firstLine(r.reason());
                    break;
                }
            }
            Level level = rule.map(Rule::level).orElseGet(() -> results.stream()
                    .anyMatch(r -> r.methodName() != null && Rule.isRequiredTestMethod(r.methodName()))
                    ? Level.MUST : Level.SHOULD);
            out.add(new Row(e.getKey(), level, worst, results.size(), ok, detail,
                    rule.map(Rule::text).orElse("(not in the rule catalogue)")));
        }
        this.rows = List.copyOf(out);
    }

    /**
     * The rows, sorted by rule id.
     *
     * @return one row per rule that ran
     */
    public List<Row> rows() {
        return rows;
    }

    /**
     * The process exit status: {@link #PASSED}, {@link #FAILED}, {@link #NOTHING_RAN} or {@link #MUST_NOT_RUN}.
     *
     * @return the status
     */
    public int exitStatus() {
        if (report.results().isEmpty()) {
            return NOTHING_RAN;
        }
        if (!report.unmappedProblems().isEmpty()) {
            return FAILED;
        }
        boolean notRun = false;
        for (Row row : rows) {
            if (row.level() == Level.MUST && (row.outcome() == Outcome.FAILURE || row.outcome() == Outcome.ERROR)) {
                return FAILED;
            }
            notRun |= row.outcome() == Outcome.NOT_RUN;
        }
        return notRun ? MUST_NOT_RUN : PASSED;
    }

    /**
     * The table printed to the console.
     *
     * @return fixed-width text
     */
    public String toText() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%-10s %-6s %-8s %-6s %s%n", "RULE", "LEVEL", "RESULT", "TESTS", "DETAIL"));
        for (Row row : rows) {
            sb.append(String.format("%-10s %-6s %-8s %-6s %s%n", row.ruleId(), row.level(), row.outcome(),
                    row.succeeded() + "/" + row.tests(), row.detail()));
        }
        for (TestResult r : report.unmappedProblems()) {
            sb.append(String.format("%-10s %-6s %-8s %-6s %s%n", "-", "-", r.outcome(), "-",
                    r.shortName() + ": " + firstLine(r.reason())));
        }
        sb.append(summary()).append('\n');
        return sb.toString();
    }

    /**
     * The Markdown report.
     *
     * @param title what was run, e.g. the class names
     * @return the document
     */
    public String toMarkdown(String title) {
        StringBuilder sb = new StringBuilder();
        sb.append("# pvkit conformance report\n\n");
        sb.append("Run: ").append(title).append("\n\n");
        sb.append("**").append(summary()).append("**\n\n");
        sb.append("| Rule | Level | Result | Tests passed | Rule text | Detail |\n");
        sb.append("| --- | --- | --- | --- | --- | --- |\n");
        for (Row row : rows) {
            sb.append("| ").append(row.ruleId()).append(" | ").append(row.level()).append(" | ").append(row.outcome())
                    .append(" | ").append(row.succeeded()).append('/').append(row.tests())
                    .append(" | ").append(cell(row.text())).append(" | ").append(cell(row.detail())).append(" |\n");
        }
        if (!report.unmappedProblems().isEmpty()) {
            sb.append("\n## Problems outside any rule\n\n");
            for (TestResult r : report.unmappedProblems()) {
                sb.append("- ").append(r.outcome()).append(' ').append(r.shortName()).append(": ")
                        .append(cell(firstLine(r.reason()))).append('\n');
            }
        }
        sb.append("\nResults per method (worst per rule wins: SUCCESS < SKIP < NOT_RUN < ERROR < FAILURE):\n\n");
        for (TestResult r : report.results()) {
            sb.append("- ").append(r.outcome()).append(' ').append(r.shortName());
            if (!r.reason().isEmpty()) {
                sb.append(": ").append(cell(firstLine(r.reason())));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /**
     * One line: how many rules passed, were skipped and failed, and the verdict.
     *
     * @return the summary
     */
    public String summary() {
        int passed = 0;
        int skipped = 0;
        int notRun = 0;
        int failedMust = 0;
        int failedShould = 0;
        for (Row row : rows) {
            switch (row.outcome()) {
                case SUCCESS -> passed++;
                case SKIP -> skipped++;
                case NOT_RUN -> notRun++;
                default -> {
                    if (row.level() == Level.MUST) {
                        failedMust++;
                    } else {
                        failedShould++;
                    }
                }
            }
        }
        String verdict = switch (exitStatus()) {
            case PASSED -> "CONFORMANT (exit 0)";
            case FAILED -> "NOT CONFORMANT (exit 1)";
            case MUST_NOT_RUN -> "INCOMPLETE: " + notRun + " MUST rule(s) did not run (exit 3)";
            default -> "NOTHING RAN (exit 2)";
        };
        return rows.size() + " rules: " + passed + " passed, " + skipped + " skipped, " + notRun + " MUST not run, "
                + failedMust
                + " MUST failed, " + failedShould + " SHOULD failed, " + report.unmappedProblems().size()
                + " problems outside rules: " + verdict;
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() > 200 ? line.substring(0, 197) + "..." : line;
    }

    private static String cell(String s) {
        return s.replace("|", "\\|");
    }
}
