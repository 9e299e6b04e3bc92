package io.pvkit.cli.demo;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;

/**
 * Where the demo shows its live progress: refreshed in place on a terminal ({@link #ansi}), periodic plain
 * lines when the output is a file or a pipe ({@link #plain}), or nothing ({@link #none}).
 */
public interface ProgressView {

    /**
     * How often the demo samples the domains and calls {@link #show}.
     *
     * @return the interval
     */
    Duration interval();

    /**
     * Shows one sample.
     *
     * @param rows a row per guest, in domid order
     * @param elapsed time since the guests started
     */
    void show(List<GuestRow> rows, Duration elapsed);

    /**
     * Shows the last sample (every guest finished or the deadline passed).
     *
     * @param rows a row per guest
     * @param elapsed time since the guests started
     */
    void finish(List<GuestRow> rows, Duration elapsed);

    /**
     * The view for this process's standard output: {@link #ansi} when it is a terminal that understands
     * cursor movement, {@link #plain} otherwise.
     *
     * @param out the output
     * @return the view
     */
    static ProgressView forTerminal(PrintWriter out) {
        java.io.Console console = System.console();
        String term = System.getenv("TERM");
        boolean tty = console != null && console.isTerminal() && term != null && !term.isEmpty() && !"dumb".equals(term);
        return tty ? ansi(out) : plain(out);
    }

    /**
     * A header and a line per guest, redrawn in place with ANSI cursor movement every 250 ms.
     *
     * @param out the output
     * @return the view
     */
    static ProgressView ansi(PrintWriter out) {
        return new ProgressView() {
            private int drawn;

            @Override
            public Duration interval() {
                return Duration.ofMillis(250);
            }

            @Override
            public void show(List<GuestRow> rows, Duration elapsed) {
                StringBuilder s = new StringBuilder();
                if (drawn > 0) {
                    s.append("\033[").append(drawn).append('F');   // to the start of the first line drawn
                }
                s.append("\033[2K").append(GuestRow.header(rows)).append("   ").append(seconds(elapsed)).append('\n');
                for (GuestRow r : rows) {
                    s.append("\033[2K").append(r.format()).append('\n');
                }
                drawn = rows.size() + 1;
                out.print(s);
                out.flush();
            }

            @Override
            public void finish(List<GuestRow> rows, Duration elapsed) {
                show(rows, elapsed);
            }
        };
    }

    /**
     * Every second, a line per guest ({@link GuestRow#formatPlain()}) prefixed with the elapsed time.
     *
     * @param out the output
     * @return the view
     */
    static ProgressView plain(PrintWriter out) {
        return new ProgressView() {
            @Override
            public Duration interval() {
                return Duration.ofSeconds(1);
            }

            @Override
            public void show(List<GuestRow> rows, Duration elapsed) {
                for (GuestRow r : rows) {
                    out.println("[" + seconds(elapsed) + "] " + r.formatPlain());
                }
                out.flush();
            }

            @Override
            public void finish(List<GuestRow> rows, Duration elapsed) {
                show(rows, elapsed);
            }
        };
    }

    /**
     * No live progress.
     *
     * @return the view
     */
    static ProgressView none() {
        return new ProgressView() {
            @Override
            public Duration interval() {
                return Duration.ofMillis(100);
            }

            @Override
            public void show(List<GuestRow> rows, Duration elapsed) {
            }

            @Override
            public void finish(List<GuestRow> rows, Duration elapsed) {
            }
        };
    }

    /**
     * Elapsed time as {@code 12.3s}.
     *
     * @param d the time
     * @return the text
     */
    static String seconds(Duration d) {
        long tenths = d.toMillis() / 100;
        return (tenths / 10) + "." + (tenths % 10) + "s";
    }
}
