package io.pvkit.cli.demo;

import java.util.ArrayList;
import java.util.List;

/**
 * The outcome of a demo run.
 *
 * @param guests every guest's report, in domid order
 * @param problems what went wrong outside the guests (a domain that could not be built, resources still
 *     held after every guest was destroyed); empty when nothing did
 */
public record DemoResult(List<GuestReport> guests, List<String> problems) {

    /**
     * Copies the lists.
     *
     * @param guests the reports
     * @param problems the problems
     */
    public DemoResult {
        guests = List.copyOf(guests);
        problems = List.copyOf(problems);
    }

    /**
     * Whether the demo succeeded: every guest powered off by itself and nothing else went wrong.
     *
     * @return true on success
     */
    public boolean ok() {
        return problems.isEmpty() && !guests.isEmpty() && guests.stream().allMatch(GuestReport::ok);
    }

    /**
     * Every failure, guests' first.
     *
     * @return the failures, one line each
     */
    public List<String> failures() {
        List<String> all = new ArrayList<>();
        for (GuestReport g : guests) {
            if (!g.ok()) {
                all.add(g.name() + " " + g.problem());
            }
        }
        all.addAll(problems);
        return all;
    }

    /**
     * The summary: a row per guest, the totals, and the verdict line ({@code demo OK: ...} or
     * {@code demo FAILED: ...}).
     *
     * @return the lines
     */
    public List<String> summary() {
        List<String> lines = new ArrayList<>();
        lines.add(GuestReport.HEADER);
        long rounds = 0;
        long events = 0;
        long hypercalls = 0;
        long console = 0;
        for (GuestReport g : guests) {
            lines.add(g.format());
            rounds += g.rounds();
            events += g.events();
            hypercalls += g.hypercalls();
            console += g.consoleLines();
        }
        lines.add(String.format("%-10s %-10s %10d %10d %12d %8d", "total", "", rounds, events, hypercalls, console));
        long verified = 0;
        long bytes = 0;
        boolean disks = false;
        for (GuestReport g : guests) {
            if (g.disk() != null) {
                if (!disks) {
                    lines.add("");
                    lines.add(GuestReport.DiskReport.HEADER);
                    disks = true;
                }
                lines.add(g.disk().format(g.name()));
                verified += g.disk().blocksVerified();
                bytes += g.disk().bytes();
            }
        }
        List<String> failures = failures();
        if (ok()) {
            lines.add("demo OK: " + guests.size() + (guests.size() == 1 ? " guest" : " guests")
                    + " powered off by themselves, " + rounds + " round trips, "
                    + (disks ? verified + " blocks verified through blkfront/blkback and in the image files ("
                            + String.format(java.util.Locale.ROOT, "%.1f", bytes / 1e6) + " MB moved), " : "")
                    + "every resource released");
        } else {
            lines.add("demo FAILED: " + String.join("; ", failures));
        }
        return lines;
    }
}
