package io.pvkit.cli.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The demo's live view and summary, on fixed data. */
class DemoOutputTest {

    private static final List<GuestRow> ROWS = List.of(new GuestRow("guest1", "running", 12000, 4000, 1500),
            new GuestRow("guest2", "blocked", 11000, 3900, 1400));

    @Test
    void ansiViewRedrawsTheSameLinesInPlace() {
        StringWriter s = new StringWriter();
        ProgressView v = ProgressView.ansi(new PrintWriter(s));
        v.show(ROWS, Duration.ofMillis(250));
        String first = s.toString();
        assertFalse(first.contains("\033[3F"), "nothing to move over on the first draw");
        assertEquals(3, first.lines().count(), "a header and a line per guest");
        v.show(ROWS, Duration.ofMillis(500));
        String second = s.toString().substring(first.length());
        assertTrue(second.startsWith("\033[3F"), "back to the header: " + second.replace("\033", "ESC"));
        assertEquals(3, second.split("\033\\[2K", -1).length - 1, "each line cleared before it is redrawn");
        assertTrue(second.contains("guest1     running"), second);
    }

    @Test
    void plainViewPrintsSelfDescribingLinesWithoutEscapes() {
        StringWriter s = new StringWriter();
        ProgressView v = ProgressView.plain(new PrintWriter(s));
        v.show(ROWS, Duration.ofMillis(1000));
        assertEquals("[1.0s] guest1: running, 12000 hypercalls/s, 4000 events/s, 1500 round trips\n"
                + "[1.0s] guest2: blocked, 11000 hypercalls/s, 3900 events/s, 1400 round trips\n", s.toString());
        assertFalse(s.toString().contains("\033"));
    }

    private static GuestReport report(String name, String problem) {
        return new GuestReport(name, 1, "shutdown", problem == null ? "poweroff" : "crash", 100, 250, 900, 7, problem);
    }

    @Test
    void summaryOfASuccessfulRun() {
        DemoResult r = new DemoResult(List.of(report("guest1", null), report("guest2", null)), List.of());
        assertTrue(r.ok());
        List<String> lines = r.summary();
        assertEquals(GuestReport.HEADER, lines.getFirst());
        assertTrue(lines.get(1).startsWith("guest1     shutdown          100        250          900        7  poweroff"),
                lines.get(1));
        assertTrue(lines.get(3).startsWith("total                        200        500         1800       14"), lines.get(3));
        assertEquals("demo OK: 2 guests powered off by themselves, 200 round trips, every resource released",
                lines.getLast());
    }

    @Test
    void summaryOfAFailedRunNamesEveryFailure() {
        DemoResult r = new DemoResult(List.of(report("guest1", null), report("guest2", "crashed: boom")),
                List.of("resources still held"));
        assertFalse(r.ok());
        assertEquals("demo FAILED: guest2 crashed: boom; resources still held", r.summary().getLast());
        assertFalse(new DemoResult(List.of(), List.of()).ok(), "no guest is no success");
    }

    @Test
    void planDeadlinesAndDescriptions() {
        DemoPlan p = new DemoPlan(2, 4L << 20, Duration.ofSeconds(5), 0, null);
        assertEquals(1024, p.memoryFrames());
        assertEquals(Duration.ofSeconds(20), p.deadline());
        assertEquals("2 guests x 4M, 5s", p.describe());
        assertEquals(Duration.ofMinutes(15), new DemoPlan(1, 1L << 20, Duration.ofMinutes(10), 0, null).deadline());
        assertEquals("1 guest x 512K, 300 rounds", new DemoPlan(1, 512L << 10, null, 300, null).describe());
    }
}
