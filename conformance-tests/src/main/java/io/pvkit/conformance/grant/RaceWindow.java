package io.pvkit.conformance.grant;

import java.time.Duration;

/**
 * How long the kit lets another thread run while it holds an operation of the implementation stopped (GNT-43's
 * teardown, GNT-44's second operation on the same entry). A correct implementation cannot finish what the kit waits
 * for inside the window, so the window never fails one; a longer window only gives a wrong implementation more time to
 * show itself on a slow or loaded machine, and a shorter one makes a run faster but may let a wrong one pass.
 *
 * <p>Each check has its own default; the system property {@value #PROPERTY} (milliseconds, at least 1), read at each
 * check, overrides them all.
 */
final class RaceWindow {
    /** The system property that overrides every window (milliseconds). */
    static final String PROPERTY = "pvkit.conformance.raceWindowMillis";

    private RaceWindow() {
    }

    /**
     * The window of one check.
     *
     * @param defaultMillis the check's own window, used when {@value #PROPERTY} is not set
     * @return the window
     */
    static Duration of(long defaultMillis) {
        Long configured = Long.getLong(PROPERTY);
        return Duration.ofMillis(configured == null ? defaultMillis : Math.max(1, configured));
    }
}
